"""A request id for every request: accepted from the client or made up, echoed back.

``RequestIDMiddleware`` puts the id in ``scope["request_id"]`` and in the ``X-Request-ID``
header of every response, so a user's bug report, the access log and the error log can be
matched. An incoming ``X-Request-ID`` (set by a load balancer, or by the client) is kept
when it is sane: 1 to 128 characters from ``A-Z a-z 0-9 . _ : -``. Anything else is replaced
by a new id (32 hex digits), so a client cannot smuggle odd text into your logs.

Handlers get the id by dependency injection, never from a global::

    @app.get("/orders")
    async def orders(rid: RequestId) -> dict[str, str]:
        return {"request_id": rid}

Without the middleware the same id is still made on demand (and used by the error log);
the middleware adds the response header and the choice to ignore incoming ids.
"""

from __future__ import annotations

import uuid
from typing import Annotated, TypeAlias

from schooner.di.markers import Inject
from schooner.http.request import Request
from schooner.middleware.errors import request_id_of
from schooner.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestIDMiddleware", "RequestId", "request_id"]


async def request_id(request: Request) -> str:
    """Provider of the request id: ``Annotated[str, Inject(request_id)]`` (or ``RequestId``).

    Returns the id in ``scope["request_id"]``, reading a valid ``X-Request-ID`` or making one
    if no middleware did yet.
    """
    return request_id_of(request.scope)


RequestId: TypeAlias = Annotated[str, Inject(request_id)]
"""Annotate a handler or dependency parameter with it to receive the request id."""


class RequestIDMiddleware:
    """Give every request an id and send it back in ``X-Request-ID``.

    Args:
        app: the inner app.
        trust_incoming: keep a valid incoming ``X-Request-ID``; set ``False`` when clients
            reach the app directly and should not choose the ids in your logs.
    """

    def __init__(self, app: ASGIApp, *, trust_incoming: bool = True) -> None:
        self.app = app
        self.trust_incoming = trust_incoming

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self.trust_incoming:
            rid = request_id_of(scope)
        else:
            rid = scope["request_id"] = uuid.uuid4().hex
        header = (b"x-request-id", rid.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] in _STARTS:
                headers = list(message.get("headers", ()))
                if not any(name == b"x-request-id" for name, _ in headers):
                    headers.append(header)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


# The messages that carry response headers: HTTP, a websocket accept, and a refused
# handshake sent through the "websocket.http.response" extension.
_STARTS = frozenset({"http.response.start", "websocket.accept", "websocket.http.response.start"})
