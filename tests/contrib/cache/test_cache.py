"""The Cache API: values, get-or-set with one factory call per key, and @cache.cached."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import UTC, datetime

import msgspec
import pytest

from schooner import App
from schooner.contrib.cache import Cache, MemoryBackend
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient


class Item(msgspec.Struct):
    """A value with a type of its own."""

    name: str
    price: float


@dataclasses.dataclass
class Point:
    """A dataclass value."""

    x: int
    y: int


async def test_values_round_trip_through_serialisation() -> None:
    """Built-in values, bytes and datetimes come back equal; missing keys give the default."""
    cache = Cache()
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    await cache.set("data", {"a": [1, 2.5, "x", None], "b": True})
    await cache.set("blob", b"\x00\xff")
    await cache.set("when", when)
    assert await cache.get("data") == {"a": [1, 2.5, "x", None], "b": True}
    assert await cache.get("blob") == b"\x00\xff"
    assert await cache.get("when") == when
    assert await cache.get("nothing") is None
    assert await cache.get("nothing", "fallback") == "fallback"


async def test_typed_get_returns_structs_and_dataclasses() -> None:
    """type= decodes into the given type; without it a Struct comes back as a dict."""
    cache = Cache()
    await cache.set("item", Item("pen", 1.5))
    await cache.set("point", Point(1, 2))
    assert await cache.get("item") == {"name": "pen", "price": 1.5}
    assert await cache.get("item", type=Item) == Item("pen", 1.5)
    assert await cache.get("point", type=Point) == Point(1, 2)


async def test_unserialisable_values_are_refused_clearly() -> None:
    """Values msgpack cannot encode raise a TypeError that names the type."""

    class Opaque:
        pass

    cache = Cache()
    with pytest.raises(TypeError, match=r"Cannot cache this value: .*Opaque"):
        await cache.set("thing", {"nested": Opaque()})


async def test_ttl_and_default_ttl_reach_the_backend() -> None:
    """set() uses its ttl, else the cache's default_ttl; entries then expire."""
    now = [0.0]
    cache = Cache(MemoryBackend(clock=lambda: now[0]), default_ttl=10)
    await cache.set("short", 1, ttl=2)
    await cache.set("default", 2)
    now[0] = 3
    assert await cache.get("short") is None
    assert await cache.get("default") == 2
    now[0] = 11
    assert await cache.get("default") is None


async def test_delete_and_clear() -> None:
    """delete() removes one key and says whether it was there; clear() removes all."""
    cache = Cache()
    await cache.set("a", 1)
    await cache.set("b", 2)
    assert await cache.delete("a") is True
    assert await cache.delete("a") is False
    await cache.clear()
    assert await cache.get("b") is None


def test_non_positive_ttls_are_configuration_errors() -> None:
    """A TTL of zero or less is refused where it is given."""
    with pytest.raises(ImproperlyConfigured, match="default_ttl"):
        Cache(default_ttl=0)
    with pytest.raises(ImproperlyConfigured, match="ttl"):
        Cache().cached(ttl=-1)


async def test_get_or_set_calls_the_factory_once_for_concurrent_callers() -> None:
    """Ten concurrent misses on one key run the async factory once; all get its value."""
    cache = Cache()
    calls = 0

    async def factory() -> dict[str, int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return {"answer": 42}

    results = await asyncio.gather(*(cache.get_or_set("k", factory) for _ in range(10)))
    assert calls == 1
    assert results == [{"answer": 42}] * 10
    assert await cache.get_or_set("k", factory) == {"answer": 42}
    assert calls == 1


async def test_get_or_set_runs_sync_factories_in_a_thread() -> None:
    """A sync factory runs off the event loop thread; its value is stored."""
    cache = Cache()
    loop_thread = threading.get_ident()
    seen: list[int] = []

    def factory() -> str:
        seen.append(threading.get_ident())
        return "computed"

    assert await cache.get_or_set("s", factory, ttl=30) == "computed"
    assert await cache.get("s") == "computed"
    assert seen
    assert seen[0] != loop_thread


async def test_get_or_set_does_not_store_a_failure() -> None:
    """A factory that raises stores nothing; the next call tries again."""
    cache = Cache()

    async def broken() -> int:
        raise RuntimeError("backend down")

    with pytest.raises(RuntimeError):
        await cache.get_or_set("x", broken)
    assert await cache.get_or_set("x", lambda: 7) == 7


async def test_cached_decorator_keys_by_arguments() -> None:
    """@cache.cached runs the function once per distinct arguments."""
    cache = Cache()
    calls: list[tuple[int, str]] = []

    @cache.cached(ttl=60)
    async def lookup(user_id: int, lang: str = "en") -> dict[str, str]:
        calls.append((user_id, lang))
        return {"user": str(user_id), "lang": lang}

    assert await lookup(1) == {"user": "1", "lang": "en"}
    assert await lookup(1, lang="en") == {"user": "1", "lang": "en"}
    assert await lookup(user_id=1) == {"user": "1", "lang": "en"}
    assert await lookup(2, "fr") == {"user": "2", "lang": "fr"}
    assert calls == [(1, "en"), (2, "fr")]
    assert lookup.__name__ == "lookup"


async def test_cached_decorator_with_a_key_template_can_be_invalidated() -> None:
    """key='user:{user_id}' names the entry, so deleting that key forces a fresh call."""
    cache = Cache()
    version = 0

    @cache.cached(key="user:{user_id}")
    async def profile(user_id: int) -> Item:
        nonlocal version
        version += 1
        return Item(f"v{version}", 0.0)

    assert await profile(7) == Item("v1", 0.0)
    assert await profile(7) == Item("v1", 0.0)  # a hit, decoded as the return type
    assert await cache.get("user:7", type=Item) == Item("v1", 0.0)
    await cache.delete("user:7")
    assert await profile(7) == Item("v2", 0.0)


async def test_cached_decorator_wraps_sync_functions_and_key_functions() -> None:
    """A sync function becomes awaitable; a key function picks the entry's name."""
    cache = Cache()
    calls = 0

    @cache.cached(key=lambda a, b: f"sum:{min(a, b)}:{max(a, b)}")
    def add(a: int, b: int) -> int:
        nonlocal calls
        calls += 1
        return a + b

    assert await add(1, 2) == 3
    assert await add(2, 1) == 3
    assert calls == 1
    assert await cache.get("sum:1:2") == 3


async def test_cached_decorator_needs_serialisable_arguments_or_a_key() -> None:
    """Arguments msgpack cannot encode ask for key= in the error."""
    cache = Cache()

    @cache.cached()
    async def describe(lock: object) -> str:
        return "x"

    with pytest.raises(TypeError, match="pass key="):
        await describe(threading.Lock())


def test_handlers_receive_the_cache_by_type() -> None:
    """`cache: Cache` in a handler is the component itself, shared between requests."""
    cache = Cache()
    app = App(components=[cache])
    computed: list[str] = []

    @app.get("/greeting")
    async def greeting(cache: Cache) -> dict[str, str]:
        async def build() -> str:
            computed.append("hello")
            return "hello"

        return {"text": await cache.get_or_set("greeting", build, ttl=60)}

    with TestClient(app) as client:
        assert client.get("/greeting").json() == {"text": "hello"}
        assert client.get("/greeting").json() == {"text": "hello"}
    assert computed == ["hello"]
