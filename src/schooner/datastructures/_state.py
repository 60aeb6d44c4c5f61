"""A namespace for values that middleware and lifespan hooks attach to a scope."""

from __future__ import annotations

from typing import Any


class State:
    """Attribute-style storage (``state.db = pool``) backed by a plain dict.

    The app's ``state`` lives for the life of the process; a request's ``state`` starts as a
    shallow copy of what the lifespan yielded and lives for one request.
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", data if data is not None else {})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"State has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def __repr__(self) -> str:
        return f"State({self._data!r})"
