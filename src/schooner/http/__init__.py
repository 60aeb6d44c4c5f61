"""HTTP messages: the ``Request`` a handler receives and the responses it returns.

A handler may return a ``Response`` (or subclass) for full control, or a plain value:
``str`` (text), ``bytes``, ``None`` (204) or anything JSON-able (dict, list, Struct,
dataclass, TypedDict, pydantic model), encoded with msgspec.
"""

from __future__ import annotations

from schooner.http._file import FileResponse
from schooner.http._sse import EventSourceResponse, ServerSentEvent
from schooner.http._streaming import StreamingResponse
from schooner.http.request import ClientDisconnect, Request
from schooner.http.response import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    ProblemResponse,
    RedirectResponse,
    Response,
)

__all__ = [
    "ClientDisconnect",
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "ProblemResponse",
    "RedirectResponse",
    "Request",
    "Response",
    "ServerSentEvent",
    "StreamingResponse",
]
