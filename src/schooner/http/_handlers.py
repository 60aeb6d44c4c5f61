"""How exceptions become responses: the app's registered handlers, applied per route.

The router and each route answer their own exceptions with :class:`ExceptionHandlers` (no
layer of their own per request); :class:`ExceptionMiddleware` does it for route middleware
and mounted apps. ``HTTPException`` has a default handler (an RFC 9457 problem response).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

from schooner.concurrency import run_sync
from schooner.exceptions import HTTPException
from schooner.http.request import Request
from schooner.http.response import ProblemResponse, Response
from schooner.types import ASGIApp, Message, Receive, Scope, Send

ExceptionHandler: TypeAlias = Callable[[Request, Any], Awaitable[Response] | Response]
"""``(request, exc) -> Response``, sync or async."""


def problem_response(exc: HTTPException) -> Response:
    """Render an ``HTTPException`` as ``application/problem+json`` (RFC 9457)."""
    return ProblemResponse(exc.to_problem(), status_code=exc.status_code, headers=exc.headers)


class SendTracker:
    """A send channel that remembers whether the response started.

    The first message of an HTTP response is always its start, so any message counts.
    """

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = True
        await self.send(message)


class ExceptionHandlers:
    """The registered exception handlers, and how one turns an exception into a response.

    Used by the router and each route (which handle their own exceptions, so a request
    does not pay for a separate layer) and by :class:`ExceptionMiddleware` (route
    middleware and mounted apps).

    Args:
        handlers: exception type (or status code) → handler; ``HTTPException`` has a
            default handler.
    """

    __slots__ = ("handlers", "status_handlers")

    def __init__(self, handlers: Mapping[type[BaseException] | int, ExceptionHandler]) -> None:
        self.handlers = {k: v for k, v in handlers.items() if isinstance(k, type)}
        self.status_handlers = {k: v for k, v in handlers.items() if isinstance(k, int)}

    def lookup(self, exc: BaseException) -> ExceptionHandler | None:
        """Return the handler for ``exc``.

        For an ``HTTPException``, a handler registered for its status code wins; otherwise
        the handler of the nearest class in the exception's MRO, then the default problem
        response for ``HTTPException``, or ``None``.
        """
        if isinstance(exc, HTTPException):
            by_status = self.status_handlers.get(exc.status_code)
            if by_status is not None:
                return by_status
        for cls in type(exc).__mro__:
            handler = self.handlers.get(cls)
            if handler is not None:
                return handler
        if isinstance(exc, HTTPException):
            return _http_exception_handler
        return None

    async def respond(self, exc: BaseException, scope: Scope, receive: Receive, send: Send) -> bool:
        """Send the response for ``exc``; ``False`` (nothing sent) when nothing handles it.

        Only for HTTP connections whose response has not started: the caller knows that.
        """
        handler = self.lookup(exc)
        if handler is None or scope["type"] != "http":
            return False
        response = await call_handler(handler, Request(scope, receive), exc)
        await response(scope, receive, send)
        return True


class ExceptionMiddleware:
    """Turns handled exceptions into responses; the most specific registered type wins.

    Routes and the router handle their own exceptions (see :class:`ExceptionHandlers`);
    this layer does it for what they call that is not theirs: route middleware and
    mounted apps. An exception raised after the response started is re-raised.

    Args:
        app: the inner app.
        handlers: the app's exception handlers.
    """

    def __init__(
        self,
        app: ASGIApp,
        handlers: ExceptionHandlers | Mapping[type[BaseException] | int, ExceptionHandler],
    ) -> None:
        self.app = app
        self.handlers = (
            handlers if isinstance(handlers, ExceptionHandlers) else ExceptionHandlers(handlers)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracker = SendTracker(send)
        try:
            await self.app(scope, receive, tracker)
        except Exception as exc:
            if tracker.started or not await self.handlers.respond(exc, scope, receive, send):
                raise


def _http_exception_handler(request: Request, exc: HTTPException) -> Response:
    return problem_response(exc)


async def call_handler(handler: ExceptionHandler, request: Request, exc: BaseException) -> Response:
    """Call an exception handler: async ones directly, sync ones in the thread pool."""
    if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004
    ):
        result = handler(request, exc)
    else:
        result = await run_sync(handler, request, exc)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, Response):
        raise TypeError(f"Exception handler {handler!r} must return a Response, not {result!r}.")
    return result
