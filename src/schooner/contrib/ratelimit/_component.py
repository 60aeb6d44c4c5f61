"""The ``RateLimit`` component: a global default, per-route limits and the 429 answer."""

from __future__ import annotations

import contextlib
import fnmatch
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
from schooner.routing import RouteInfo, RouteTable
from schooner.types import ASGIApp, Message, Receive, Scope, Send
from schooner.websockets import WebSocket, WebSocketDisconnect

if TYPE_CHECKING:
    from schooner.app import App

__all__ = [
    "RateLimit",
    "RateLimitExempt",
    "RateLimitMiddleware",
    "RateLimitRule",
    "rate_limit",
    "rate_limit_exempt",
]

logger = logging.getLogger("schooner.ratelimit")


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    """Route metadata: a limit of its own for a route (or every route of a router).

    Made by :func:`rate_limit`; a route with its own limits is not subject to the app's
    default. Several rules on one route all apply.
    """

    limit: str
    key: KeyFunction | None = None

    def __post_init__(self) -> None:
        parse_limits(self.limit)  # fail when the route is declared, not on a request


@dataclass(frozen=True, slots=True)
class RateLimitExempt:
    """Route metadata: the app's default limit does not apply (use :data:`rate_limit_exempt`)."""


rate_limit_exempt = RateLimitExempt()
"""Exclude one route from the app's default limit (a health check): ``meta=[rate_limit_exempt]``."""


def rate_limit(limit: str, *, key: KeyFunction | None = None) -> RateLimitRule:
    """Limit one route: ``@app.post("/search", meta=[rate_limit("5/minute")])``.

    List several, or write ``"5/minute;100/day"``, for several limits; on a router
    (``Router(meta=[...])``) each of its routes gets the limit, counted per route. Needs
    the ``RateLimit`` component.

    Args:
        limit: ``"<count>/<period>"`` (``second``, ``minute``, ``hour``, ``day``…), several
            separated by ``;``.
        key: names the client for this limit, ``(request) -> str`` (sync or async); the
            component's key (the client address by default) when ``None``.

    Raises:
        ImproperlyConfigured: ``limit`` is not a valid limit.
    """
    return RateLimitRule(limit, key)


@dataclass(frozen=True, slots=True)
class _Rule:
    limit: str
    key: KeyFunction | None
    bucket: str  # what the counters are shared by: "default" or one route


class _Plan:
    """The rules of each route of one app, decided once when the app is built."""

    def __init__(self, default: str | None) -> None:
        self.default = () if default is None else (_Rule(default, None, "default"),)
        self.table: RouteTable | None = None
        self.per_route: dict[int, tuple[_Rule, ...]] = {}

    def build(self, table: RouteTable) -> None:
        self.table = table
        self.per_route = {
            id(route): rules for route in table if (rules := _route_rules(route)) is not None
        }

    def rules_for(self, scope: Scope) -> tuple[_Rule, ...]:
        route = self.table.match(scope).route if self.table is not None else None
        if route is None:
            return self.default  # 404s and mounts count against the default limit too
        return self.per_route.get(id(route), self.default)


class RateLimitMiddleware:
    """Count each request against its limits; answer 429 once one is exhausted."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        plan: _Plan,
        exempt_paths: Iterable[str],
        headers: bool,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.plan = plan
        self.exempt_paths = list(exempt_paths)
        self.headers = headers

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
        return self.plan.rules_for(scope)


def _route_rules(info: RouteInfo) -> tuple[_Rule, ...] | None:
    """The route's own rules; ``()`` when exempt, ``None`` when the default applies."""
    if info.find(RateLimitExempt) is not None:
        return ()
    declared = info.find_all(RateLimitRule)
    if not declared:
        return None
    # Each route counts on its own: a stable name, shared by every instance of the app.
    bucket = f"route:{info.name}:{','.join(info.methods)}"
    return tuple(_Rule(rule.limit, rule.key, bucket) for rule in declared)


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
        plan = _Plan(self.default)
        app.on_build(plan.build)
        middleware = Middleware(
            RateLimitMiddleware,
            limiter=self.limiter,
            plan=plan,
            exempt_paths=self.exempt_paths,
            headers=self.headers,
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
