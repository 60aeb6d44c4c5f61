"""Parsing ``Content-Type`` and ``Content-Disposition`` values (RFC 9110 §8.3, RFC 6266)."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Final
from urllib.parse import unquote

URLENCODED: Final = "application/x-www-form-urlencoded"
MULTIPART: Final = "multipart/form-data"

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


def is_json_media_type(value: str) -> bool:
    """Whether a ``Content-Type`` names JSON: ``application/json`` or a ``+json`` type.

    The ``+json`` structured syntax suffix (RFC 6839) covers ``application/problem+json``,
    ``application/merge-patch+json``, ``application/ld+json`` and the like. Parameters
    (``; charset=utf-8``) are ignored.
    """
    main = value.partition(";")[0].strip().lower()
    return main == "application/json" or ("/" in main and main.endswith("+json"))


def disposition_filename(params: dict[str, str]) -> str | None:
    """The file name of a ``Content-Disposition``, made safe: see :func:`safe_filename`.

    ``filename*`` (RFC 8187) wins over ``filename``. A plain ``filename`` that is UTF-8 read
    as Latin-1 (what browsers send, per the HTML standard) is decoded as UTF-8.
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
        # Bytes that are not UTF-8 keep their Latin-1 reading.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("latin-1").decode("utf-8")
    return safe_filename(name)


FALLBACK_FILENAME = "upload"
"""The name of an upload whose client-given name has nothing safe left in it (``".."``)."""

MAX_FILENAME_BYTES = 255
"""The longest name (in UTF-8 bytes) common file systems accept."""

# Control characters (Cc: NUL, newlines, escapes), format characters (Cf: zero-width
# spaces, the right-to-left override U+202E that shows "photo<U+202E>gpj.exe" as
# "photoexe.jpg") and lone surrogates (Cs) have no place in a file name.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def safe_filename(name: str) -> str:
    """The client's file name without anything that could act on a path or mislead a reader.

    Keeps the last segment after ``/`` and ``\\`` (a client may send ``C:\\dir\\a.txt``
    or ``../a.txt``); drops control and format characters (NUL, newlines, bidirectional
    overrides); strips leading dots and spaces (no ``..``, no hidden ``.htaccess``) and
    trailing ones (Windows ignores them, so ``a.php.`` would be ``a.php``); and keeps the
    name within 255 UTF-8 bytes, extension included. ``""`` stays ``""`` (a file input
    left empty); a name with nothing safe left becomes :data:`FALLBACK_FILENAME`.

    The result is still the client's choice: store files under names you generate.
    """
    if not name:
        return ""
    last = re.split(r"[\\/]", name)[-1]
    kept = "".join(c for c in last if unicodedata.category(c) not in _UNSAFE_CATEGORIES)
    kept = kept.lstrip(". ").rstrip(". ")
    if not kept:
        return FALLBACK_FILENAME
    return _shorten(kept)


def _shorten(name: str) -> str:
    if len(name.encode("utf-8")) <= MAX_FILENAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    budget = MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
    # Cut on a character boundary: decode with "ignore" drops a split multi-byte tail.
    head = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(". ")
    return (head or FALLBACK_FILENAME) + suffix
