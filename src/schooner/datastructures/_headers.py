"""Case-insensitive, multi-valued HTTP headers over the raw ASGI list."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar, overload

from schooner.types import RawHeaders

T = TypeVar("T")


class Headers(Mapping[str, str]):
    """Read-only request or response headers.

    Names are case-insensitive (RFC 9110 §5.1). ``headers[name]`` returns the first value;
    ``headers.getlist(name)`` returns all of them, e.g. for repeated ``Accept`` or
    ``Set-Cookie`` lines. Values are decoded as latin-1, as HTTP/1.1 allows.
    """

    __slots__ = ("_raw",)

    def __init__(
        self, headers: Mapping[str, str] | None = None, *, raw: RawHeaders | None = None
    ) -> None:
        if raw is not None:
            self._raw: RawHeaders = raw
        elif headers is not None:
            self._raw = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
            ]
        else:
            self._raw = []

    @property
    def raw(self) -> RawHeaders:
        """The underlying list of ``(name, value)`` byte pairs with lower-case names."""
        return self._raw

    def __getitem__(self, key: str) -> str:
        name = key.lower().encode("latin-1")
        for k, v in self._raw:
            if k == name:
                return v.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = key.lower().encode("latin-1")
        return any(k == name for k, _ in self._raw)

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str, /) -> str: ...
    @overload
    def get(self, key: str, default: T, /) -> str | T: ...
    def get(self, key: str, default: object = None, /) -> object:
        """Return the first value of header ``key``, or ``default``."""
        name = key.lower().encode("latin-1")
        for k, v in self._raw:
            if k == name:
                return v.decode("latin-1")
        return default

    def __iter__(self) -> Iterator[str]:
        seen: set[bytes] = set()
        for k, _ in self._raw:
            if k not in seen:
                seen.add(k)
                yield k.decode("latin-1")

    def __len__(self) -> int:
        return len({k for k, _ in self._raw})

    def getlist(self, key: str) -> list[str]:
        """Return every value of header ``key`` in order (empty list when absent)."""
        name = key.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self._raw if k == name]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted(self._raw) == sorted(other._raw)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by content

    def __repr__(self) -> str:
        items = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._raw]
        return f"{type(self).__name__}({items!r})"


class MutableHeaders(Headers):
    """Response headers that can be changed before the response is sent.

    ``headers[name] = value`` replaces every existing value of ``name``;
    ``headers.append(name, value)`` adds another line (for ``Set-Cookie`` or ``Vary``).
    """

    __slots__ = ()

    def __setitem__(self, key: str, value: str) -> None:
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        _check_header(name, encoded)
        self._raw[:] = [(k, v) for k, v in self._raw if k != name]
        self._raw.append((name, encoded))

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        before = len(self._raw)
        self._raw[:] = [(k, v) for k, v in self._raw if k != name]
        if len(self._raw) == before:
            raise KeyError(key)

    def append(self, key: str, value: str) -> None:
        """Add one more ``key: value`` line, keeping any existing ones."""
        name = key.lower().encode("latin-1")
        encoded = value.encode("latin-1")
        _check_header(name, encoded)
        self._raw.append((name, encoded))

    def setdefault(self, key: str, value: str) -> str:
        """Set ``key`` to ``value`` unless present; return the value now in effect."""
        existing = self.get(key)
        if existing is not None:
            return existing
        self.append(key, value)
        return value

    def add_vary(self, field: str) -> None:
        """Add ``field`` to the ``Vary`` header unless it is already listed."""
        current = [v.strip() for v in ", ".join(self.getlist("vary")).split(",") if v.strip()]
        if field.lower() not in {v.lower() for v in current}:
            current.append(field)
            self["vary"] = ", ".join(current)


def _check_header(name: bytes, value: bytes) -> None:
    # A CR or LF in a header would let a caller split the response (RFC 9110 §5.5).
    if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name or b":" in name:
        raise ValueError(f"Invalid character in header {name!r}: CR, LF and ':' are not allowed.")
