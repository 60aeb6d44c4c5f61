"""Parsing ``Content-Type`` and ``Content-Disposition`` values (RFC 9110 §8.3, RFC 6266)."""

from __future__ import annotations

import re
from urllib.parse import unquote

# A parameter: token "=" ( token / quoted-string ), RFC 9110 §5.6.6.
_PARAM = re.compile(
    r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)\s*', re.DOTALL
)


def parse_header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``"text/html; charset=utf-8"`` into ``("text/html", {"charset": "utf-8"})``.

    The main value and parameter names are lower-cased; quoted values are unescaped.
    Parameters that do not parse are ignored, as browsers do.
    """
    main, sep, rest = value.partition(";")
    params: dict[str, str] = {}
    if sep:
        for match in _PARAM.finditer(";" + rest):
            name, raw = match.groups()
            if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
                # Only \" and \\ are unescaped: browsers send Windows paths unescaped.
                raw = re.sub(r'\\(["\\])', r"\1", raw[1:-1])
            params.setdefault(name.lower(), raw)
    return main.strip().lower(), params


def disposition_filename(params: dict[str, str]) -> str | None:
    """The file name of a ``Content-Disposition``: ``filename*`` (RFC 8187) wins over ``filename``.

    Only the last path segment is kept: a client may send ``C:\\\\dir\\\\a.txt`` or ``../a.txt``.
    """
    name: str | None = None
    extended = params.get("filename*")
    if extended is not None:
        charset, _, rest = extended.partition("'")
        _, _, encoded = rest.partition("'")
        if charset.lower() in ("utf-8", "iso-8859-1"):
            try:
                name = unquote(encoded, encoding=charset.lower(), errors="strict")
            except UnicodeDecodeError:
                name = None
    if name is None:
        name = params.get("filename")
    if name is None:
        return None
    return re.split(r"[\\/]", name)[-1]
