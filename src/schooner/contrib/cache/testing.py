"""Test helpers for apps with the ``Cache`` component.

::

    from schooner.contrib.cache.testing import ManualClock, fresh_cache

    def test_prices_are_cached_for_a_minute(client: TestClient) -> None:
        clock = ManualClock()
        fresh_cache(client.app, clock=clock)   # empty, in memory, on a clock you move
        first = client.get("/prices").json()
        clock.advance(61)                      # a minute later, without sleeping
        assert client.get("/prices").headers["x-cache"] == "miss"

A module-level app keeps its cache between tests; :func:`fresh_cache` at the start of each
test (a fixture) gives it an empty one, and keeps tests off a Redis the app may be
configured with.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from schooner.contrib.cache._backends import MemoryBackend
from schooner.contrib.cache._component import Cache
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["ManualClock", "fresh_cache"]


class ManualClock:
    """A clock that moves only when told: ``MemoryBackend(clock=ManualClock())``.

    Args:
        start: the time it shows first, in seconds.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        """The current time, in seconds."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward: entries whose TTL has passed are gone."""
        if seconds < 0:
            raise ValueError("A clock only moves forward.")
        self.now += seconds


def fresh_cache(app: App, *, clock: Callable[[], float] | None = None) -> MemoryBackend:
    """Give the app's cache an empty in-memory backend, and return it.

    The cache keeps the new backend from then on: values, function results and responses
    all start from nothing. The app's config (and the backend it named, such as a Redis
    one) is left as it was.

    Args:
        app: the app (``client.app``).
        clock: the backend's clock, e.g. a :class:`ManualClock`; ``time.monotonic`` by
            default.

    Raises:
        ImproperlyConfigured: the app has no ``Cache`` component.
    """
    cache = app.component(Cache)
    if cache is None:
        raise ImproperlyConfigured(f"{app!r} has no Cache component to replace the backend of.")
    backend = MemoryBackend(clock=clock or time.monotonic)
    cache.backend = backend
    return backend
