"""Path converters: how a ``{name:type}`` segment is matched, parsed and built back.

Built in: ``str`` (default, one segment), ``int``, ``float``, ``uuid``, ``slug`` and ``path``
(the rest of the path, slashes included). Add your own by implementing :class:`Converter` and
passing it to ``App(converters={"name": MyConverter()})``.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote


@runtime_checkable
class Converter(Protocol):
    """What a path converter provides.

    Attributes:
        regex: a regular expression (without groups) matching the decoded segment.
        specificity: lower sorts first when two routes could match one path; static text
            is 0, narrow types are 10-20, ``str`` 30, ``path`` 40.
    """

    regex: str
    specificity: int

    def to_python(self, value: str) -> Any:
        """Turn the matched text into a value; raise ``ValueError`` to make the route not match."""
        ...

    def to_url(self, value: Any) -> str:
        """Turn a value back into (unencoded) path text for ``url_for``."""
        ...


class StringConverter:
    """One path segment of any characters but ``/``."""

    regex: str = "[^/]+"
    specificity: int = 30

    def to_python(self, value: str) -> str:
        """Return the segment unchanged."""
        return value

    def to_url(self, value: Any) -> str:
        """Return ``str(value)``, which must not be empty or contain ``/``."""
        text = str(value)
        if not text or "/" in text:
            raise ValueError(f"A 'str' path parameter cannot be empty or contain '/': {text!r}.")
        return text


class IntConverter:
    """A non-negative decimal integer such as ``42``."""

    regex: str = "[0-9]+"
    specificity: int = 10

    def to_python(self, value: str) -> int:
        """Parse the digits."""
        return int(value)

    def to_url(self, value: Any) -> str:
        """Format a non-negative int."""
        number = int(value)
        if number < 0:
            raise ValueError(f"An 'int' path parameter must not be negative: {number}.")
        return str(number)


class FloatConverter:
    """A non-negative decimal number such as ``3.14`` or ``2``."""

    regex: str = r"[0-9]+(?:\.[0-9]+)?"
    specificity: int = 11

    def to_python(self, value: str) -> float:
        """Parse the number."""
        return float(value)

    def to_url(self, value: Any) -> str:
        """Format a non-negative float."""
        number = float(value)
        if number < 0 or number != number or number in (float("inf"),):
            raise ValueError(f"A 'float' path parameter must be finite and >= 0: {number}.")
        return repr(number)


class UUIDConverter:
    """A UUID in its canonical hex-and-dashes form (any case)."""

    regex: str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    specificity: int = 12

    def to_python(self, value: str) -> uuid.UUID:
        """Parse the UUID."""
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        """Format as lower-case canonical text."""
        return str(uuid.UUID(str(value)))


class SlugConverter:
    """ASCII letters, digits, hyphens and underscores, e.g. ``my-first-post``."""

    regex: str = "[-a-zA-Z0-9_]+"
    specificity: int = 20

    def to_python(self, value: str) -> str:
        """Return the slug unchanged."""
        return value

    def to_url(self, value: Any) -> str:
        """Check the text is a slug."""
        text = str(value)
        if not text or not all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
            raise ValueError(f"Not a slug: {text!r}.")
        return text


class PathConverter:
    """The rest of the path, slashes included (``{file:path}``). Must be the last segment."""

    regex: str = ".+"
    specificity: int = 40

    def to_python(self, value: str) -> str:
        """Return the text unchanged."""
        return value

    def to_url(self, value: Any) -> str:
        """Return ``str(value)``; slashes are kept when building the URL."""
        return str(value)


DEFAULT_CONVERTERS: dict[str, Converter] = {
    "str": StringConverter(),
    "int": IntConverter(),
    "float": FloatConverter(),
    "uuid": UUIDConverter(),
    "slug": SlugConverter(),
    "path": PathConverter(),
}


def quote_param(value: str, converter: Converter) -> str:
    """Percent-encode a path parameter value (RFC 3986 §3.3), keeping ``/`` only for ``path``."""
    safe = "/" if isinstance(converter, PathConverter) else ""
    return quote(value, safe=safe + "-._~!$&'()*+,;=:@")
