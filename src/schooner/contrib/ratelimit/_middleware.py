"""``RateLimitMiddleware``: each request counted against its limits, 429 once one runs out."""

from __future__ import annotations

import contextlib
import fnmatch
import logging
from collections.abc import Iterable

from schooner.contrib.ratelimit._limiter import RateLimiter, RateLimitResult
from schooner.contrib.ratelimit._routes import RateLimitPlan, Rule
from schooner.contrib.ratelimit.exceptions import RateLimitExceeded
from schooner.http import ProblemResponse, Request
from schooner.http.response import encode_json
from schooner.types import ASGIApp, Message, Receive, Scope, Send
from schooner.websockets import WebSocket, WebSocketDisconnect

__all__ = ["RateLimitMiddleware"]

logger = logging.getLogger("schooner.ratelimit")


class RateLimitMiddleware:
    """Count each request against its limits; refuse it with 429 once one is exhausted.

    Args:
        app: the inner app.
        limiter: counts the hits.
        plan: the per-route rules (decided when the app is built).
        exempt_paths: path patterns never limited.
        headers: add ``RateLimit-*`` headers to allowed responses.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        plan: RateLimitPlan,
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
                await _refuse(RateLimitExceeded(result), scope, receive, send)
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

    def _rules_for(self, scope: Scope) -> tuple[Rule, ...]:
        path = scope.get("path", "")
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in self.exempt_paths):
            return ()
        return self.plan.rules_for(scope)


async def _refuse(error: RateLimitExceeded, scope: Scope, receive: Receive, send: Send) -> None:
    # Answered here rather than raised, so that the layers outside this one (CORS, the
    # user's logging) see a response, as they do for the handler's own answers.
    if scope["type"] == "http":
        await ProblemResponse(error.to_problem(), 429, error.headers)(scope, receive, send)
        return
    body = encode_json(error.to_problem())
    headers = [(b"content-type", b"application/problem+json")]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    with contextlib.suppress(WebSocketDisconnect, OSError):  # the client is already gone
        await WebSocket(scope, receive, send).reject(429, body, headers)
