"""The two built-in error layers.

``ServerErrorMiddleware`` is always the outermost layer: an exception nothing else handled
becomes a 500 problem response (no internal details in production; a debug page in
development) and is logged with the request id. Just outside each route, ``HTTPException``
and exceptions with a registered handler become responses (``ExceptionHandlers``; the
router and routes apply them themselves, ``ExceptionMiddleware`` wraps route middleware and
mounted apps), so the user's middleware sees responses for them.
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

from schooner.concurrency import run_sync
from schooner.exceptions import HTTPException
from schooner.http.request import Request
from schooner.http.response import ProblemResponse, Response
from schooner.middleware._debug import debug_page_allowed, debug_response
from schooner.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("schooner.error")

ExceptionHandler: TypeAlias = Callable[[Request, Any], Awaitable[Response] | Response]
"""``(request, exc) -> Response``, sync or async."""

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_of(scope: Scope) -> str:
    """Return the request id: one set by middleware, a valid ``X-Request-ID``, or a new one."""
    existing: object = scope.get("request_id")
    if isinstance(existing, str):
        return existing
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _REQUEST_ID.match(text):
                scope["request_id"] = text
                return text
    new = uuid.uuid4().hex
    scope["request_id"] = new
    return new


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


class ServerErrorMiddleware:
    """The outermost layer: turns any unhandled exception into a 500.

    The exception is logged (logger ``schooner.error``) with the request id, which is also
    returned in the problem document and the ``X-Request-ID`` header so a user's report can
    be matched with the log. Then the exception is re-raised for the server to see.

    An exception that has a handler (an ``HTTPException``, or a type registered with
    ``add_exception_handler``) raised by app-level middleware — a 413 from a layer that read
    the body, a 409 from a commit — is answered by that handler instead, as it would be
    inside a route.

    Args:
        app: the whole middleware stack.
        debug: show a traceback page (HTML for browsers, JSON for API clients) to
            clients on this machine (loopback addresses); others get the plain 500.
        handler: an optional handler registered for ``Exception`` or 500.
        errors: the app's exception handlers.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        debug: bool,
        handler: ExceptionHandler | None = None,
        errors: ExceptionHandlers | None = None,
    ) -> None:
        self.app = app
        self.debug = debug
        self.handler = handler
        self.errors = errors if errors is not None else ExceptionHandlers({})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        # A closure, not a SendTracker: this layer is on every request, and the closure
        # is measurably cheaper here.
        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = True  # the first message of an HTTP response is always its start
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not started:
                handled = self.errors.lookup(exc)
                if handled is not None and handled is not self.handler:
                    await self.errors.respond(exc, scope, receive, send)
                    return
            request_id = request_id_of(scope)
            logger.exception(
                "Unhandled %s in %s %s (request id %s)",
                type(exc).__name__,
                scope.get("method"),
                scope.get("path"),
                request_id,
                extra={"request_id": request_id},
            )
            if not started:
                response = await self._error_response(scope, receive, exc, request_id)
                response.headers["x-request-id"] = request_id
                await response(scope, receive, send)
            raise

    async def _error_response(
        self, scope: Scope, receive: Receive, exc: Exception, request_id: str
    ) -> Response:
        if self.debug and debug_page_allowed(scope):
            return debug_response(scope, exc, request_id)
        if self.handler is not None:
            try:
                return await call_handler(self.handler, Request(scope, receive), exc)
            except Exception:
                logger.exception("The 500 handler itself failed (request id %s)", request_id)
        problem = HTTPException(
            500,
            detail="The server hit an unexpected error. Quote the request id when reporting it.",
            extra={"request_id": request_id},
        )
        return problem_response(problem)


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
