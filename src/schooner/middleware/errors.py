"""The server-error layer, and the public names of exception handling.

``ServerErrorMiddleware`` is always the outermost layer: an exception nothing else handled
becomes a 500 problem response (no internal details in production; a debug page in
development) and is logged with the request id. Just outside each route, ``HTTPException``
and exceptions with a registered handler become responses (``ExceptionHandlers``; the
router and routes apply them themselves, ``ExceptionMiddleware`` wraps route middleware and
mounted apps), so the user's middleware sees responses for them. Those live in the http
layer (``schooner.http._handlers``), below routing; they are re-exported here.
"""

from __future__ import annotations

import logging
import re
import uuid

from schooner.exceptions import HTTPException
from schooner.http._handlers import (
    ExceptionHandler,
    ExceptionHandlers,
    ExceptionMiddleware,
    SendTracker,
    call_handler,
    problem_response,
)
from schooner.http.request import ClientDisconnect, Request
from schooner.http.response import Response
from schooner.middleware._debug import debug_page_allowed, debug_response
from schooner.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "ExceptionHandler",
    "ExceptionHandlers",
    "ExceptionMiddleware",
    "SendTracker",
    "ServerErrorMiddleware",
    "call_handler",
    "problem_response",
    "request_id_of",
    "server_error",
]

logger = logging.getLogger("schooner.error")

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


def server_error(request_id: str) -> HTTPException:
    """The 500 a visitor sees: nothing about the error, the request id to quote."""
    return HTTPException(
        500,
        detail="The server hit an unexpected error. Quote the request id when reporting it.",
        extra={"request_id": request_id},
    )


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
        except ClientDisconnect:
            # The client left mid-body: nobody is there to answer, and nothing went wrong
            # on the server's side (not an error to log, not one for the server to see).
            logger.info("The client left before sending the whole body: %s", scope.get("path"))
            return
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
        return problem_response(server_error(request_id))
