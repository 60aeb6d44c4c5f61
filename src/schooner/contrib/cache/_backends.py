"""Where cached bytes live: the ``CacheBackend`` protocol and the in-memory backend.

Backends store opaque bytes; :class:`~schooner.contrib.cache.Cache` serialises values
(msgpack, through msgspec) before they get here, so every backend behaves the same way.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from schooner.exceptions import ImproperlyConfigured

__all__ = ["CacheBackend", "MemoryBackend"]


@runtime_checkable
class CacheBackend(Protocol):
    """What ``Cache(backend=...)`` accepts: a store of bytes with expiry."""

    async def get(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or ``None`` if missing or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds (``None``: until evicted)."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if it was there."""
        ...

    async def clear(self) -> None:
        """Remove every entry this backend owns (and nothing else)."""
        ...


class MemoryBackend:
    """Keep entries in this process's memory (the default).

    Bounded: past ``max_entries`` the least recently used entry is evicted. Expired entries
    are dropped when read and before evicting live ones. Every operation runs without an
    ``await`` in between its steps, so concurrent tasks on one event loop never see a
    half-done change. Each process (each worker) has its own copy: use
    :class:`~schooner.contrib.cache.RedisBackend` to share a cache between instances.

    Args:
        max_entries: how many entries to keep at most.
        clock: the monotonic clock used for expiry (replaceable in tests).
    """

    def __init__(
        self, *, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_entries < 1:
            raise ImproperlyConfigured("MemoryBackend(max_entries=...) must be at least 1.")
        self.max_entries = max_entries
        self._clock = clock
        # key -> (value, deadline or None); order is recency of use, oldest first.
        self._entries: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> bytes | None:
        """The value, refreshed as most recently used; ``None`` if missing or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, deadline = entry
        if deadline is not None and deadline <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        """Store the value, evicting expired then least recently used entries if full."""
        deadline = None if ttl is None else self._clock() + ttl
        self._entries[key] = (value, deadline)
        self._entries.move_to_end(key)
        if len(self._entries) > self.max_entries:
            self._purge_expired()
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> bool:
        """Remove the entry; ``True`` if it was there."""
        return self._entries.pop(key, None) is not None

    async def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()

    def _purge_expired(self) -> None:
        now = self._clock()
        for key in [k for k, (_, d) in self._entries.items() if d is not None and d <= now]:
            del self._entries[key]
