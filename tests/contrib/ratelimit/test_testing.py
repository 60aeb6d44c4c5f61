"""schooner.contrib.ratelimit.testing: counters that start from zero in each test."""

from __future__ import annotations

import uuid

import pytest

from schooner import App
from schooner.contrib.ratelimit import RateLimit, rate_limit
from schooner.contrib.ratelimit.testing import fresh_limits
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient


def limited_app(component: RateLimit) -> App:
    """An app with one route limited to two requests a minute."""
    app = App(components=[component])

    @app.get("/search", meta=[rate_limit("2/minute")])
    async def search() -> str:
        return "hits"

    return app


def test_fresh_limits_gives_back_the_whole_budget() -> None:
    """After fresh_limits(), a client that was refused is allowed again."""
    app = limited_app(RateLimit())
    with TestClient(app) as client:
        assert [client.get("/search").status_code for _ in range(3)] == [200, 200, 429]
        fresh_limits(app)
        assert [client.get("/search").status_code for _ in range(3)] == [200, 200, 429]


def test_an_app_on_redis_counts_in_memory_afterwards(redis_url: str) -> None:
    """With Redis storage configured, fresh_limits() keeps the test's counts off Redis."""
    import redis

    prefix = f"test:{uuid.uuid4().hex}"
    app = limited_app(RateLimit(redis_url, prefix=prefix))
    fresh_limits(app)
    with TestClient(app) as client:
        assert [client.get("/search").status_code for _ in range(3)] == [200, 200, 429]
    direct = redis.Redis.from_url(redis_url)
    try:
        assert direct.keys(prefix + "*") == []
    finally:
        direct.close()


def test_an_app_without_rate_limits_is_refused() -> None:
    """fresh_limits() on an app without the component says so."""
    with pytest.raises(ImproperlyConfigured, match="no RateLimit component"):
        fresh_limits(App())
