"""The ``RateLimit`` component: a global default, per-route limits and the 429 answer."""

from __future__ import annotations

import contextlib
import fnmatch
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from schooner.contrib.ratelimit._limiter import (
    KeyFunction,
    RateLimiter,
    RateLimitResult,
    Strategy,
    parse_limits,
)
from schooner.exceptions import HTTPException
from schooner.http import ProblemResponse, Request
from schooner.http.response import encode_json
from schooner.middleware import Middleware
from schooner.types import ASGIApp, Message, Receive, Scope, Send
from schooner.websockets import WebSocket, WebSocketDisconnect

if TYPE_CHECKING:
    from schooner.app import App, RouteInfo

__all__ = ["RateLimit", "RateLimitMiddleware", "rate_limit", "rate_limit_exempt"]

logger = logging.getLogger("schooner.ratelimit")

F = TypeVar("F", bound=Callable[..., Any])
LIMITS = "__schooner_rate_limits__"
EXEMPT = "__schooner_rate_limit_exempt__"


@dataclass(frozen=True, slots=True)
class _Rule:
    limit: str
    key: KeyFunction | None
    bucket: str  # what the counters are shared by: "default" or one route


def rate_limit(limit: str, *, key: KeyFunction | None = None) -> Callable[[F], F]:
    """Limit one route: ``@rate_limit("5/minute")`` under the route decorator.

    Stack it, or write ``"5/minute;100/day"``, for several limits; a route with its own
    limits is not subject to the app's default. Needs the ``RateLimit`` component.

    Args:
        limit: ``"<count>/<period>"`` (``second``, ``minute``, ``hour``, ``day``…), several
            separated by ``;``.
        key: names the client for this limit, ``(request) -> str`` (sync or async); the
            component's key (the client address by default) when ``None``.

    Raises:
        ImproperlyConfigured: ``limit`` is not a valid limit.
    """
    parse_limits(limit)  # fail at import time, not on the first request

    def decorate(handler: F) -> F:
        existing: tuple[tuple[str, KeyFunction | None], ...] = getattr(handler, LIMITS, ())
        setattr(handler, LIMITS, ((limit, key), *existing))
        return handler

    return decorate


def rate_limit_exempt(handler: F) -> F:
    """Exclude one route from the app's default limit (a health check)."""
    setattr(handler, EXEMPT, True)
    return handler


class RateLimitMiddleware:
    """Count each request against its limits; answer 429 once one is exhausted."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        default: str | None,
        exempt_paths: Iterable[str],
        headers: bool,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.default = () if default is None else (_Rule(default, None, "default"),)
        self.exempt_paths = list(exempt_paths)
        self.headers = headers
        self._per_route: dict[int, tuple[_Rule, ...]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request or WebSocket handshake, or refuse it with 429."""
        rules = self._rules_for(scope) if scope["type"] in ("http", "websocket") else ()
        if not rules:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        tightest: RateLimitResult | None = None
        for rule in rules:
            who = await self.limiter.key_for(request, rule.key)
            result = await self.limiter.hit(f"{rule.bucket}:{who}", rule.limit)
            if not result.allowed:
                logger.info("Rate limit %s exceeded by %s on %s", rule.limit, who, scope["path"])
                await _refuse(result, scope, receive, send)
                return
            if tightest is None or result.remaining < tightest.remaining:
                tightest = result
        if not self.headers or tightest is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in tightest.headers().items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _rules_for(self, scope: Scope) -> tuple[_Rule, ...]:
        path = scope.get("path", "")
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in self.exempt_paths):
            return ()
        app = scope.get("app")
        if self._per_route is None:
            table = getattr(app, "routes_table", None)
            self._per_route = {
                id(info): rules
                for info in (table() if table is not None else ())
                if (rules := _route_rules(info)) is not None
            }
        route_for = getattr(app, "route_for", None)
        info = route_for(scope) if route_for is not None else None
        if info is None:
            return self.default  # 404s and mounts count against the default limit too
        return self._per_route.get(id(info), self.default)


def _route_rules(info: RouteInfo) -> tuple[_Rule, ...] | None:
    """The route's own rules; ``()`` when exempt, ``None`` when the default applies."""
    if getattr(info.endpoint, EXEMPT, False):
        return ()
    declared: tuple[tuple[str, KeyFunction | None], ...] = getattr(info.endpoint, LIMITS, ())
    if not declared:
        return None
    # Each route counts on its own: a stable name, shared by every instance of the app.
    bucket = f"route:{info.name}:{','.join(info.methods)}"
    return tuple(_Rule(limit, key, bucket) for limit, key in declared)


async def _refuse(result: RateLimitResult, scope: Scope, receive: Receive, send: Send) -> None:
    error = HTTPException(
        429,
        f"Too many requests: the limit is {result.limit}; try again in "
        f"{result.retry_after} second{'s' if result.retry_after != 1 else ''}.",
        headers=result.headers(),
    )
    if scope["type"] == "http":
        await ProblemResponse(error.to_problem(), 429, error.headers)(scope, receive, send)
        return
    body = encode_json(error.to_problem())
    headers = [(b"content-type", b"application/problem+json")]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    with contextlib.suppress(WebSocketDisconnect, OSError):  # the client is already gone
        await WebSocket(scope, receive, send).reject(429, body, headers)


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
        default: the limit of every request to a route without its own (``None``: none).
        strategy: ``"moving-window"`` (default), ``"fixed-window"`` or
            ``"sliding-window"``.
        key: ``(request) -> str`` (sync or async) naming the client; its address by default.
        trusted_proxies: IPs or CIDR networks of your reverse proxies.
        exempt_paths: path patterns (``fnmatch``) never limited, e.g. ``"/static/*"``.
        headers: add ``RateLimit-*`` headers to allowed responses.
        prefix: key prefix in Redis.
    """

    name = "ratelimit"

    def __init__(
        self,
        storage: str = "memory://",
        *,
        default: str | None = None,
        strategy: Strategy = "moving-window",
        key: KeyFunction | None = None,
        trusted_proxies: Iterable[str] = (),
        exempt_paths: Iterable[str] = (),
        headers: bool = True,
        prefix: str = "schooner:ratelimit",
    ) -> None:
        if default is not None:
            parse_limits(default)
        self.limiter = RateLimiter(
            storage, strategy=strategy, prefix=prefix, trusted_proxies=trusted_proxies, key=key
        )
        self.default = default
        self.exempt_paths = list(exempt_paths)
        self.headers = headers

    def setup(self, app: App) -> None:
        """Add the middleware (outside the response cache, so hits count) and the provider."""
        middleware = Middleware(
            RateLimitMiddleware,
            limiter=self.limiter,
            default=self.default,
            exempt_paths=self.exempt_paths,
            headers=self.headers,
            name="RateLimitMiddleware",
        )
        if "cache" in app.extensions:
            app.add_middleware(middleware, before="ResponseCacheMiddleware")
        else:
            app.add_middleware(middleware)
        app.provide(RateLimiter, self._provide, scope="app")
        app.extensions["ratelimit"] = self
        app.on_shutdown(self.limiter.aclose)

    def _provide(self) -> RateLimiter:
        return self.limiter
