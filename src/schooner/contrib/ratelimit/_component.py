"""The ``RateLimit`` component: a global default, per-route limits and the 429 answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from schooner.contrib.ratelimit._config import RateLimitConfig, RateLimitOptions
from schooner.contrib.ratelimit._limiter import RateLimiter
from schooner.contrib.ratelimit._middleware import RateLimitMiddleware
from schooner.contrib.ratelimit._routes import RateLimitPlan
from schooner.middleware import Middleware

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["RateLimit"]


class RateLimit:
    """Rate limiting as a component: ``App(components=[RateLimit(default="100/minute")])``.

    Routes add their own limits with :func:`rate_limit`. A client is its address — read
    from ``X-Forwarded-For`` only when the direct peer is one of ``trusted_proxies`` — or
    whatever ``key`` returns (a user id, an API key). An exhausted limit answers 429
    ``application/problem+json`` with ``Retry-After`` and ``RateLimit-*`` headers; allowed
    responses carry the ``RateLimit-*`` headers too. WebSocket handshakes are limited the
    same way and refused with 429. Handlers ask for the :class:`RateLimiter` by type to
    limit anything else.

    Args:
        storage: ``"memory://"`` (default: per process) or a Redis URL, shared by every
            instance of the app.
        config: every option at once, e.g. a block of the project's settings.
        **options: fields of :class:`RateLimitConfig` (``default``, ``strategy``, ``key``,
            ``trusted_proxies``, ``exempt_paths``, ``headers``, ``prefix``), which win over
            ``config``.

    Raises:
        ImproperlyConfigured: an option is unknown or invalid.

    Attributes:
        limiter: the :class:`RateLimiter` the middleware counts with, also injected into
            handlers that ask for ``RateLimiter``.
    """

    name = "ratelimit"

    def __init__(
        self,
        storage: str | None = None,
        *,
        config: RateLimitConfig | None = None,
        **options: Unpack[RateLimitOptions],
    ) -> None:
        values: dict[str, object] = dict(options)
        if storage is not None:
            values["storage"] = storage
        self.config = config = RateLimitConfig.build(config, values, owner="RateLimit")
        self.limiter = RateLimiter(
            config.storage,
            strategy=config.strategy,
            prefix=config.prefix,
            trusted_proxies=config.trusted_proxies,
            key=config.key,
        )

    @property
    def default(self) -> str | None:
        """The limit of every request to a route without its own (``None``: none)."""
        return self.config.default

    def setup(self, app: App) -> None:
        """Add the middleware (outside the response cache, so hits count) and the provider."""
        plan = RateLimitPlan(self.config.default)
        app.on_build(plan.build)
        middleware = Middleware(
            RateLimitMiddleware,
            limiter=self.limiter,
            plan=plan,
            exempt_paths=self.config.exempt_paths,
            headers=self.config.headers,
            name="RateLimitMiddleware",
        )
        if app.has_middleware("ResponseCacheMiddleware"):
            app.add_middleware(middleware, before="ResponseCacheMiddleware")
        else:
            app.add_middleware(middleware)
        app.provide(RateLimiter, self._provide, scope="app")
        app.on_shutdown(self.limiter.aclose)

    def _provide(self) -> RateLimiter:
        return self.limiter
