"""Rate limiting: per-route and global limits, per client, in memory or in Redis.

::

    from schooner.contrib.ratelimit import (
        RateLimit, RateLimiter, RateLimitExceeded, normalize_identifier, rate_limit
    )

    app = App(components=[RateLimit(default="100/minute", trusted_proxies=["10.0.0.0/8"])])

    @app.post("/search", meta=[rate_limit("5/second;200/hour")])
    async def search(query: Query) -> list[Hit]: ...

    @app.post("/login")
    async def login(form: Login, request: Request, limiter: RateLimiter) -> Response:
        key = f"login:{limiter.client_address(request)}:{normalize_identifier(form.email)}"
        result = await limiter.hit(key, "5/minute")
        if not result.allowed:
            raise RateLimitExceeded(result)

Built on the ``limits`` library (moving, fixed or sliding windows). A client is its
address, proxy-aware: ``X-Forwarded-For`` counts only from ``trusted_proxies``. Pass what a
client types through ``normalize_identifier`` (NFKC, case folding, no hidden characters)
before keying on it, so another spelling of one account gets no fresh budget. A refused
request gets 429 with ``Retry-After`` and ``RateLimit-Limit``/``-Remaining``/``-Reset``.
Counters in Redis hold across every instance of the app. Options are the fields of
:class:`RateLimitConfig`; :mod:`schooner.contrib.ratelimit.testing` resets counts between
tests.

Needs the ``ratelimit`` extra (``redis`` too for Redis storage).
"""

from __future__ import annotations

try:
    import limits as _limits  # noqa: F401 - only checks that the extra is installed
except ImportError:  # pragma: no cover - exercised without the extra
    from schooner.exceptions import MissingDependency

    raise MissingDependency("limits", "ratelimit") from None

from schooner.contrib.ratelimit._client import TrustedProxies, client_address
from schooner.contrib.ratelimit._component import RateLimit
from schooner.contrib.ratelimit._config import RateLimitConfig
from schooner.contrib.ratelimit._limiter import (
    KeyFunction,
    RateLimiter,
    RateLimitResult,
    Strategy,
    normalize_identifier,
)
from schooner.contrib.ratelimit._middleware import RateLimitMiddleware
from schooner.contrib.ratelimit._routes import (
    RateLimitExempt,
    RateLimitRule,
    rate_limit,
    rate_limit_exempt,
)
from schooner.contrib.ratelimit.exceptions import RateLimitExceeded

__all__ = [
    "KeyFunction",
    "RateLimit",
    "RateLimitConfig",
    "RateLimitExceeded",
    "RateLimitExempt",
    "RateLimitMiddleware",
    "RateLimitResult",
    "RateLimitRule",
    "RateLimiter",
    "Strategy",
    "TrustedProxies",
    "client_address",
    "normalize_identifier",
    "rate_limit",
    "rate_limit_exempt",
]
