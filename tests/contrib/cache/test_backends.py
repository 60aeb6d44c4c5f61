"""The in-memory backend: expiry, LRU bounds and isolation of operations."""

from __future__ import annotations

import pytest

from schooner.contrib.cache import MemoryBackend
from schooner.exceptions import ImproperlyConfigured


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_get_set_delete_clear() -> None:
    """Stored bytes come back; delete reports whether the key existed; clear empties it."""
    backend = MemoryBackend()
    assert await backend.get("a") is None
    await backend.set("a", b"1", None)
    await backend.set("b", b"2", 10)
    assert await backend.get("a") == b"1"
    assert await backend.delete("a") is True
    assert await backend.delete("a") is False
    await backend.clear()
    assert await backend.get("b") is None
    assert len(backend) == 0


async def test_entries_expire_after_their_ttl() -> None:
    """An entry is there until its TTL has passed, then gone (and forgotten)."""
    clock = Clock()
    backend = MemoryBackend(clock=clock)
    await backend.set("k", b"v", 5)
    clock.now += 4.9
    assert await backend.get("k") == b"v"
    clock.now += 0.1
    assert await backend.get("k") is None
    assert len(backend) == 0


async def test_least_recently_used_entry_is_evicted() -> None:
    """Past max_entries, the entry read or written longest ago goes first."""
    backend = MemoryBackend(max_entries=2)
    await backend.set("a", b"1", None)
    await backend.set("b", b"2", None)
    assert await backend.get("a") == b"1"  # a is now more recent than b
    await backend.set("c", b"3", None)
    assert await backend.get("b") is None
    assert await backend.get("a") == b"1"
    assert await backend.get("c") == b"3"


async def test_expired_entries_are_evicted_before_live_ones() -> None:
    """When full, expired entries make room before any live entry is dropped."""
    clock = Clock()
    backend = MemoryBackend(max_entries=2, clock=clock)
    await backend.set("old", b"1", None)
    await backend.set("short", b"2", 1)
    clock.now += 2
    await backend.set("new", b"3", None)
    assert await backend.get("old") == b"1"
    assert await backend.get("new") == b"3"
    assert len(backend) == 2


def test_max_entries_must_be_positive() -> None:
    """A cache that can hold nothing is a configuration error."""
    with pytest.raises(ImproperlyConfigured, match="max_entries"):
        MemoryBackend(max_entries=0)
