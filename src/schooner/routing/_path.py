"""Compiling a route path template (``/users/{id:int}``) into a matcher, once at startup."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from schooner.exceptions import ImproperlyConfigured
from schooner.routing.converters import Converter, IntConverter, PathConverter, quote_param

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")


@dataclass(frozen=True, slots=True)
class CompiledPath:
    """A parsed path template.

    Attributes:
        template: the path as declared, e.g. ``/users/{id:int}``.
        regex: compiled full-match pattern, or ``None`` for a static path.
        converters: converter per parameter name, in order of appearance.
        signature: the template with parameter names erased (``/users/{int}``); two routes
            with the same signature and a shared method shadow each other.
        sort_key: per-segment specificity, used to try narrower routes first.
        first_segment: the literal first segment, or ``None`` when it holds a parameter.
        parsers: ``(name, to_python)`` per parameter, in order (``int`` itself for the
            ``int`` converter, whose pattern admits digits only).
    """

    template: str
    regex: re.Pattern[str] | None
    converters: Mapping[str, Converter]
    signature: str
    sort_key: tuple[int, ...]
    first_segment: str | None
    parsers: tuple[tuple[str, Callable[[str], Any]], ...] = ()

    @property
    def is_static(self) -> bool:
        """Whether the path has no parameters."""
        return self.regex is None

    def match(self, path: str) -> dict[str, Any] | None:
        """Return converted parameters when ``path`` matches, else ``None``."""
        if self.regex is None:
            return {} if path == self.template else None
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        params: dict[str, Any] = {}
        try:
            for name, parse in self.parsers:
                params[name] = parse(found[name])
        except ValueError:
            return None
        return params

    def build(self, params: Mapping[str, Any]) -> str:
        """Build the percent-encoded path for ``params`` (used by ``url_for``).

        Raises:
            ValueError: a parameter is missing, unknown or has a value the converter rejects.
        """
        missing = set(self.converters) - set(params)
        if missing:
            raise ValueError(f"Missing path parameter(s) {sorted(missing)} for '{self.template}'.")
        unknown = set(params) - set(self.converters)
        if unknown:
            raise ValueError(f"Unknown path parameter(s) {sorted(unknown)} for '{self.template}'.")

        def replace(found: re.Match[str]) -> str:
            converter = self.converters[found.group(1)]
            return quote_param(converter.to_url(params[found.group(1)]), converter)

        return _PARAM.sub(replace, self.template)


def compile_path(template: str, converters: Mapping[str, Converter]) -> CompiledPath:
    """Compile ``template`` with the converters known to the app.

    Raises:
        ImproperlyConfigured: the template does not start with ``/``, names an unknown
            converter, repeats a parameter, or has a ``path`` parameter before the end.
    """
    if not template.startswith("/"):
        raise ImproperlyConfigured(f"Route path {template!r} must start with '/'.")
    pattern = ["^"]
    signature = []
    sort_key: list[int] = []
    used: dict[str, Converter] = {}
    end = 0
    for found in _PARAM.finditer(template):
        name, kind = found.group(1), found.group(2) or "str"
        converter = converters.get(kind)
        if converter is None:
            raise ImproperlyConfigured(
                f"Unknown path converter '{kind}' in route {template!r}. "
                f"Known converters: {', '.join(sorted(converters))}; register others with "
                "App(converters={...})."
            )
        if name in used:
            raise ImproperlyConfigured(f"Parameter '{name}' appears twice in route {template!r}.")
        if isinstance(converter, PathConverter) and found.end() != len(template):
            raise ImproperlyConfigured(
                f"The 'path' converter must be last in the route {template!r}."
            )
        literal = template[end : found.start()]
        pattern.append(re.escape(literal))
        pattern.append(f"(?P<{name}>{converter.regex})")
        signature.append(literal + "{" + kind + "}")
        used[name] = converter
        end = found.end()
    pattern.append(re.escape(template[end:]) + "$")
    signature.append(template[end:])
    segments = template.strip("/").split("/")
    for segment in segments:
        param = _PARAM.search(segment)
        sort_key.append(converters[param.group(2) or "str"].specificity if param else 0)
    first = segments[0] if segments and not _PARAM.search(segments[0]) else None
    return CompiledPath(
        template=template,
        regex=re.compile("".join(pattern)) if used else None,
        converters=used,
        signature="".join(signature),
        sort_key=tuple(sort_key),
        first_segment=first,
        parsers=tuple((name, _parser(converter)) for name, converter in used.items()),
    )


def _parser(converter: Converter) -> Callable[[str], Any]:
    # The built-in int converter's pattern admits digits only, so int() is its to_python,
    # without a method call per request.
    return int if type(converter) is IntConverter else converter.to_python
