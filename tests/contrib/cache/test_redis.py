"""The Redis backend against a real Redis: values, expiry, clear and shared responses."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import msgspec
import redis

from schooner import App
from schooner.contrib.cache import Cache, RedisBackend, cache_response
from schooner.testing import TestClient


class Item(msgspec.Struct):
    """A typed value."""

    name: str


def test_values_ttl_delete_and_clear(redis_url: str) -> None:
    """Values round-trip through Redis with a TTL; clear() deletes only this prefix."""
    prefix = f"test:{uuid.uuid4().hex}:"
    other = f"test:{uuid.uuid4().hex}:"
    direct = redis.Redis.from_url(redis_url)

    async def scenario() -> None:
        cache = Cache(RedisBackend(redis_url, prefix=prefix))
        neighbour = Cache(RedisBackend(redis_url, prefix=other))
        try:
            await cache.set("item", Item("pen"), ttl=30)
            await cache.set("bytes", b"\x00\x01")
            await neighbour.set("keep", 1)
            assert await cache.get("item", type=Item) == Item("pen")
            assert await cache.get("bytes") == b"\x00\x01"
            assert 0 < direct.pttl(prefix + "v:item") <= 30_000
            assert await cache.delete("bytes") is True
            assert await cache.delete("bytes") is False
            await cache.clear()
            assert await cache.get("item") is None
            assert await neighbour.get("keep") == 1
            await neighbour.clear()
        finally:
            await cache.backend.aclose()  # type: ignore[attr-defined]
            await neighbour.backend.aclose()  # type: ignore[attr-defined]

    try:
        asyncio.run(scenario())
        assert direct.keys(prefix + "*") == []
        assert direct.keys(other + "*") == []
    finally:
        direct.close()


def test_entries_expire_in_redis(redis_url: str) -> None:
    """An entry set with a short TTL is gone once it passes."""
    prefix = f"test:{uuid.uuid4().hex}:"

    async def scenario() -> None:
        cache = Cache(RedisBackend(redis_url, prefix=prefix))
        try:
            await cache.set("brief", "x", ttl=0.05)
            assert await cache.get("brief") == "x"
            await asyncio.sleep(0.2)
            assert await cache.get("brief") is None
        finally:
            await cache.backend.aclose()  # type: ignore[attr-defined]

    asyncio.run(scenario())


def counting_app(prefix: str, redis_url: str, counter: itertools.count[int]) -> App:
    """An app with one cached route on a Redis cache."""
    app = App(components=[Cache(RedisBackend(redis_url, prefix=prefix))])

    @app.get("/page", meta=[cache_response(ttl=60)])
    async def page() -> dict[str, int]:
        return {"n": next(counter)}

    @app.get("/value")
    async def value(cache: Cache) -> dict[str, int]:
        return {"n": await cache.get_or_set("n", lambda: next(counter), ttl=60)}

    return app


def test_two_instances_share_responses_and_values(redis_url: str) -> None:
    """A response or value cached by one instance is a hit on another sharing Redis."""
    prefix = f"test:{uuid.uuid4().hex}:"
    counter = itertools.count(1)
    first = counting_app(prefix, redis_url, counter)
    second = counting_app(prefix, redis_url, counter)
    with TestClient(first) as a, TestClient(second) as b:
        assert a.get("/page").json() == {"n": 1}
        shared = b.get("/page")
        assert shared.json() == {"n": 1}
        assert shared.headers["x-cache"] == "hit"
        assert a.get("/value").json() == {"n": 2}
        assert b.get("/value").json() == {"n": 2}
    direct = redis.Redis.from_url(redis_url)
    try:
        keys = direct.keys(prefix + "*")
        assert keys
        direct.delete(*keys)
    finally:
        direct.close()
