"""The examples of docs/cache.md behave as the page says.

Covers cache_basic.py, cache_responses.py and cache_redis.py.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path
from types import ModuleType

import pytest
from _loading import REDIS_URL, docs_example

from schooner import App
from schooner.testing import TestClient

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"


def load(name: str) -> ModuleType:
    """Import examples/docs/<name>.py afresh under a private name."""
    return docs_example(name, "cache_example")


def test_basic_cached_function_and_get_or_set() -> None:
    """cache_basic.py: the rate is looked up once per currency; stats come from the cache."""
    module = load("cache_basic")
    app: App = module.app
    with TestClient(app) as client:
        assert client.get("/rates/USD").json() == {"USD": 1.08}
        assert client.get("/rates/USD").json() == {"USD": 1.08}
        assert client.get("/rates/EUR").json() == {"EUR": 1.0}
        assert client.get("/stats").json() == {"orders": 1234}
        assert client.post("/stats/refresh").status_code == 204
        assert client.get("/stats").json() == {"orders": 1234}
    assert module.lookups == ["USD", "EUR"]


def test_response_caching_example() -> None:
    """cache_responses.py: /about renders once; /welcome keeps one copy per language."""
    with TestClient(load("cache_responses").app) as client:
        first = client.get("/about")
        second = client.get("/about")
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
        assert first.text == second.text
        assert "render 1" in second.text
        french = client.get("/welcome", headers={"Accept-Language": "fr"})
        english = client.get("/welcome", headers={"Accept-Language": "en"})
        assert french.text == "<p>Bienvenue</p>"
        assert english.text == "<p>Welcome</p>"
        assert english.headers["x-cache"] == "miss"
        assert client.get("/welcome", headers={"Accept-Language": "fr"}).headers["x-cache"] == (
            "hit"
        )
        client.get("/news")
        news = client.get("/news")
        assert (news.status_code, news.headers["x-cache"]) == (404, "hit")


def test_redis_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """cache_redis.py: two instances built from the same file share the cached response."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not available: {exc} (CI=true: it must be)", pytrace=False)
        pytest.skip(f"Redis is not available: {exc}")
    import redis

    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    first, second = load("cache_redis"), load("cache_redis")
    # Keep this run's entries apart from any other run's.
    prefix = f"test:{uuid.uuid4().hex}:"
    first.cache.backend.prefix = second.cache.backend.prefix = prefix
    try:
        with TestClient(first.app) as a, TestClient(second.app) as b:
            assert a.get("/catalogue").headers["x-cache"] == "miss"
            shared = b.get("/catalogue")
            assert shared.headers["x-cache"] == "hit"
            assert shared.json() == ["kettle", "teapot"]
    finally:
        direct = redis.Redis.from_url(REDIS_URL)
        keys = direct.keys(prefix + "*")
        if keys:
            direct.delete(*keys)
        direct.close()
