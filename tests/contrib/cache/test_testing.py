"""schooner.contrib.cache.testing: an empty cache per test and a clock that tests move."""

from __future__ import annotations

import itertools

import pytest

from schooner import App
from schooner.contrib.cache import Cache, cache_response
from schooner.contrib.cache.testing import ManualClock, fresh_cache
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient


def news_app() -> App:
    """An app whose cached page shows a counter, so a stale answer shows an old number."""
    app = App(components=[Cache()])
    counter = itertools.count(1)

    @app.get("/news", meta=[cache_response(ttl=60)])
    async def news() -> int:
        return next(counter)

    return app


def test_fresh_cache_forgets_what_earlier_tests_stored() -> None:
    """After fresh_cache(), a page cached before is computed again."""
    app = news_app()
    with TestClient(app) as client:
        assert client.get("/news").json() == 1
        assert client.get("/news").json() == 1
        fresh_cache(app)
        response = client.get("/news")
        assert (response.json(), response.headers["x-cache"]) == (2, "miss")


def test_a_manual_clock_expires_entries_without_sleeping() -> None:
    """Advancing the clock past the TTL expires the cached page."""
    app = news_app()
    clock = ManualClock()
    backend = fresh_cache(app, clock=clock)
    with TestClient(app) as client:
        assert client.get("/news").json() == 1
        clock.advance(59)
        assert client.get("/news").json() == 1
        clock.advance(2)
        assert client.get("/news").json() == 2
    assert len(backend) > 0  # the entries went to the backend fresh_cache returned


async def test_values_go_to_the_fresh_backend() -> None:
    """The Cache object handlers receive uses the new backend for values too."""
    app = news_app()
    cache = app.component(Cache)
    assert cache is not None
    await cache.set("k", "old")
    backend = fresh_cache(app)
    assert await cache.get("k") is None
    await cache.set("k", "new")
    assert len(backend) == 1


def test_the_clock_only_moves_forward() -> None:
    """A ManualClock refuses to go back, which no monotonic clock does."""
    clock = ManualClock(100.0)
    clock.advance(5)
    assert clock() == 105.0
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_an_app_without_a_cache_is_refused() -> None:
    """fresh_cache() on an app without the component says so."""
    with pytest.raises(ImproperlyConfigured, match="no Cache component"):
        fresh_cache(App())
