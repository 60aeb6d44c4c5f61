"""Rate limits in a real Redis: counters shared by every instance of the app."""

from __future__ import annotations

import asyncio
import uuid

import redis

from schooner import App
from schooner.contrib.ratelimit import RateLimit, RateLimiter, rate_limit
from schooner.testing import TestClient


def instance(redis_url: str, prefix: str) -> App:
    """One instance of an app limited to 3 requests a minute, counting in Redis."""
    app = App(components=[RateLimit(redis_url, default="100/minute", prefix=prefix)])

    @app.get("/api", meta=[rate_limit("3/minute")])
    async def api() -> str:
        return "ok"

    return app


def forget(redis_url: str, prefix: str) -> list[bytes]:
    """Delete (and return) the test's keys."""
    direct = redis.Redis.from_url(redis_url)
    try:
        keys: list[bytes] = direct.keys(prefix + "*")
        if keys:
            direct.delete(*keys)
        return keys
    finally:
        direct.close()


def test_limits_hold_across_two_app_instances(redis_url: str) -> None:
    """Two App objects on one Redis share counters: together they allow 3, not 6."""
    prefix = f"test:{uuid.uuid4().hex}"
    first, second = instance(redis_url, prefix), instance(redis_url, prefix)
    try:
        with TestClient(first) as a, TestClient(second) as b:
            statuses = [
                a.get("/api").status_code,
                b.get("/api").status_code,
                a.get("/api").status_code,
                b.get("/api").status_code,
                a.get("/api").status_code,
            ]
            assert statuses == [200, 200, 200, 429, 429]
            refused = b.get("/api")
            assert refused.headers["ratelimit-limit"] == "3"
            assert 1 <= int(refused.headers["retry-after"]) <= 60
    finally:
        assert forget(redis_url, prefix)  # the counters lived in Redis, under the prefix


def test_the_default_limit_is_shared_too(redis_url: str) -> None:
    """The default limit's counter is common to both instances (remaining counts down)."""
    prefix = f"test:{uuid.uuid4().hex}"
    try:
        with (
            TestClient(instance(redis_url, prefix)) as a,
            TestClient(instance(redis_url, prefix)) as b,
        ):
            assert a.get("/missing").status_code == 404
            assert a.get("/missing").headers["ratelimit-remaining"] == "98"
            assert b.get("/missing").headers["ratelimit-remaining"] == "97"
    finally:
        forget(redis_url, prefix)


def test_limiter_hit_peek_and_clear_in_redis(redis_url: str) -> None:
    """The limiter's direct API works the same against Redis, for every strategy."""
    prefix = f"test:{uuid.uuid4().hex}"

    async def scenario() -> None:
        for strategy in ("moving-window", "fixed-window", "sliding-window"):
            limiter = RateLimiter(redis_url, strategy=strategy, prefix=prefix)
            try:
                assert (await limiter.hit("login:ip", "2/minute")).remaining == 1
                assert (await limiter.hit("login:ip", "2/minute")).allowed
                assert not (await limiter.hit("login:ip", "2/minute")).allowed
                assert not (await limiter.peek("login:ip", "2/minute")).allowed
                await limiter.clear("login:ip", "2/minute")
                assert (await limiter.hit("login:ip", "2/minute")).allowed
                await limiter.clear("login:ip", "2/minute")
            finally:
                await limiter.aclose()

    try:
        asyncio.run(scenario())
    finally:
        forget(redis_url, prefix)
