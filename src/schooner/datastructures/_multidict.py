"""Multi-valued mappings: the shape of query strings and form data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar, overload

V = TypeVar("V")
D = TypeVar("D")


class MultiDict(Mapping[str, V], Generic[V]):
    """An immutable mapping where a key may have several values, in arrival order.

    ``md[key]`` and ``md.get(key)`` give the *last* value (what a single-valued reader
    expects); ``md.getlist(key)`` gives all of them. ``md.items()`` yields one pair per
    key (last value); ``md.multi_items()`` yields every pair.
    """

    __slots__ = ("_dict", "_list")

    def __init__(self, items: Iterable[tuple[str, V]] | Mapping[str, V] = ()) -> None:
        if isinstance(items, list):  # the common case, without the ABC check below
            pairs = list(items)
        else:
            pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        self._list: list[tuple[str, V]] = pairs
        self._dict: dict[str, V] = dict(pairs)

    def __getitem__(self, key: str) -> V:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            # Equal when each key has the same values in the same order; keys may interleave.
            return self._grouped() == other._grouped()
        return NotImplemented

    def _grouped(self) -> dict[str, list[V]]:
        grouped: dict[str, list[V]] = {}
        for key, value in self._list:
            grouped.setdefault(key, []).append(value)
        return grouped

    __hash__ = None  # type: ignore[assignment]  # mutable-looking mapping, like dict

    def getlist(self, key: str) -> list[V]:
        """Return every value for ``key`` (an empty list when it is absent)."""
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[str, V]]:
        """Return every ``(key, value)`` pair in arrival order, repeats included."""
        return list(self._list)

    @overload
    def get(self, key: str, /) -> V | None: ...
    @overload
    def get(self, key: str, /, default: V | D) -> V | D: ...
    def get(self, key: str, /, default: object = None) -> object:
        """Return the last value for ``key``, or ``default``."""
        return self._dict.get(key, default)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


class QueryParams(MultiDict[str]):
    """The decoded query string of a request: string keys and values, multi-valued."""

    __slots__ = ()
