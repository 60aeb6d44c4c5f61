"""Test helpers for apps with the ``RateLimit`` component.

::

    from schooner.contrib.ratelimit.testing import fresh_limits

    @pytest.fixture(autouse=True)
    def no_leftover_counts() -> None:
        fresh_limits(app)           # every test starts with full budgets

    def test_login_is_limited(client: TestClient) -> None:
        for _ in range(5):
            client.post("/login", data=WRONG)
        assert client.post("/login", data=WRONG).status_code == 429

The test client always comes from the same address, so counts made by one test would
otherwise be spent by the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from schooner.contrib.ratelimit._component import RateLimit
from schooner.contrib.ratelimit._limiter import RateLimiter
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["fresh_limits"]


def fresh_limits(app: App) -> None:
    """Forget every count: the app's limiter continues on an empty in-memory storage.

    Route limits, the default limit, keys and strategy stay as configured; only the
    counters start again from zero, in this process (so a test never reaches a Redis the
    app may be configured with).

    Raises:
        ImproperlyConfigured: the app has no ``RateLimit`` component.
    """
    component = app.component(RateLimit)
    if component is None:
        raise ImproperlyConfigured(f"{app!r} has no RateLimit component to reset.")
    limiter = component.limiter
    fresh = RateLimiter("memory://", strategy=component.config.strategy)
    # The battery's own limiter: swap its storage and the strategy that counts in it.
    limiter.storage = fresh.storage
    limiter._strategy = fresh._strategy
