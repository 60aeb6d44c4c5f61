"""One log line per request: who asked for what, the answer, its size and how long it took.

``AccessLogMiddleware`` logs at ``INFO`` to the ``schooner.access`` logger when the response
has been sent (a websocket: when the connection ends)::

    127.0.0.1:51234 - "GET /items?page=2 HTTP/1.1" 200 1534B 2.7ms id=5f0c7c9e…

The same fields are attached to the log record (``extra``), so a JSON formatter gets them
as separate keys: ``client``, ``method``, ``path``, ``http_version``, ``status``, ``bytes``,
``duration_ms`` and ``request_id``. If the app raises before responding, the line says
``500`` and the exception goes on to the error layer.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Final

from schooner.middleware.errors import request_id_of
from schooner.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_ACCESS_FORMAT", "AccessLogMiddleware"]

DEFAULT_ACCESS_FORMAT: Final = (
    '%(client)s - "%(method)s %(path)s HTTP/%(http_version)s" %(status)d %(bytes)dB '
    "%(duration_ms).1fms id=%(request_id)s"
)
"""The default line; any ``%(field)s`` of the documented fields may be used."""


class AccessLogMiddleware:
    """Log every HTTP request and websocket connection once it is over.

    Args:
        app: the inner app.
        logger: the logger name (or a ``logging.Logger``); ``schooner.access`` by default.
        format: a ``%``-style format over the fields (see :data:`DEFAULT_ACCESS_FORMAT`).
        level: the log level of each line.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        logger: str | logging.Logger = "schooner.access",
        format: str = DEFAULT_ACCESS_FORMAT,
        level: int = logging.INFO,
    ) -> None:
        self.app = app
        self.logger = logger if isinstance(logger, logging.Logger) else logging.getLogger(logger)
        self.format = format
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or not self.logger.isEnabledFor(self.level):
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 0
        sent = 0

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            event = message["type"]
            if event in ("http.response.body", "websocket.http.response.body"):
                sent += len(message.get("body", b""))
            elif event in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
            elif event == "websocket.send":
                data = message.get("bytes")
                sent += len(data) if data is not None else len(message.get("text", "").encode())
            elif event == "websocket.accept":
                status = 101
            elif event == "websocket.close" and status == 0:
                status = 403  # closed before accepting: the server refuses the handshake
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        except Exception:
            if status == 0:
                status = 500
            raise
        finally:
            fields = self.fields(scope, status, sent, (time.perf_counter() - began) * 1000)
            self.logger.log(self.level, self.format, fields, extra=fields)

    def fields(self, scope: Scope, status: int, sent: int, duration_ms: float) -> dict[str, Any]:
        """The fields of one line (and of the record's ``extra``)."""
        client = scope.get("client")
        raw_path: bytes = scope.get("raw_path") or scope.get("path", "/").encode()
        # The raw path as sent: decoding it could put a newline into the log.
        path = raw_path.decode("latin-1")
        query: bytes = scope.get("query_string", b"")
        if query:
            path += "?" + query.decode("latin-1")
        return {
            "client": f"{client[0]}:{client[1]}" if client else "-",
            "method": scope.get("method", "WEBSOCKET"),
            "path": path,
            "http_version": scope.get("http_version", "1.1"),
            "status": status or (403 if scope["type"] == "websocket" else 500),
            "bytes": sent,
            "duration_ms": round(duration_ms, 3),
            "request_id": request_id_of(scope),
        }
