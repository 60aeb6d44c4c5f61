"""Gzip compression of response bodies for clients that accept it.

``GZipMiddleware`` compresses a response when the request's ``Accept-Encoding`` allows
``gzip`` and the response is worth compressing: not already encoded, not an event stream,
not a range, not marked ``Cache-Control: no-transform``, and at least ``minimum_size`` bytes
(or a stream of unknown length).

A body sent in one piece is compressed in one go and gets an exact ``Content-Length``. A
streamed body is compressed chunk by chunk: each chunk is flushed as soon as it arrives (a
client of a slow stream sees each part when it is produced) and the next one is only taken
once the server accepted the previous one, so nothing is buffered. Every response that
*could* be compressed carries ``Vary: Accept-Encoding``, compressed or not, so caches keep
the two forms apart (RFC 9110 §12.5.5).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Final

from schooner.middleware.cors import merge_vary
from schooner.types import ASGIApp, Message, RawHeaders, Receive, Scope, Send

__all__ = ["GZipMiddleware", "accepts_gzip"]

_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS  # a gzip header and trailer around deflate data


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` value allows ``gzip`` (RFC 9110 §12.5.3).

    ``gzip;q=0`` refuses it; ``*`` allows it unless ``gzip`` is listed on its own.
    """
    star: bool | None = None
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if coding not in ("gzip", "x-gzip", "*"):
            continue
        allowed = _quality(params) > 0
        if coding == "*":
            star = allowed
        else:
            return allowed
    return bool(star)


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


class GZipMiddleware:
    """Compress response bodies with gzip.

    Args:
        app: the inner app.
        minimum_size: bodies sent in one piece below this many bytes are left alone
            (compressing them costs more than it saves).
        compresslevel: 1 (fastest) to 9 (smallest).
        excluded_media_types: content types never compressed; ``text/event-stream`` by
            default, because compressing server-sent events delays them in proxies.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        minimum_size: int = 500,
        compresslevel: int = 6,
        excluded_media_types: Sequence[str] = ("text/event-stream",),
    ) -> None:
        if not 1 <= compresslevel <= 9:
            raise ValueError(f"compresslevel must be between 1 and 9, not {compresslevel}.")
        self.app = app
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel
        self.excluded = tuple(t.lower().encode("latin-1") for t in excluded_media_types)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepts = False
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                accepts = accepts_gzip(value.decode("latin-1"))
                break
        responder = _Responder(self, send, accepts=accepts, head=scope["method"] == "HEAD")
        await self.app(scope, receive, responder.send)

    def eligible(self, status: int, headers: RawHeaders) -> bool:
        """Whether a response with this status and headers may be compressed at all."""
        if status < 200 or status in (204, 206, 304):
            return False
        for name, value in headers:
            if name in (b"content-encoding", b"content-range"):
                return False
            if name == b"content-type" and value.lower().startswith(self.excluded):
                return False
            if name == b"cache-control" and b"no-transform" in value.lower():
                return False
        return True


class _Responder:
    """The state of one response passing through ``GZipMiddleware``.

    ``start`` holds the ``http.response.start`` message until the first body message
    shows whether the body comes in one piece; ``compressor`` is set while streaming.
    """

    __slots__ = ("accepts", "compressor", "head", "mw", "passthrough", "start", "target")

    def __init__(self, mw: GZipMiddleware, target: Send, *, accepts: bool, head: bool) -> None:
        self.mw = mw
        self.target = target
        self.accepts = accepts
        self.head = head
        self.start: Message | None = None
        self.passthrough = False
        self.compressor: zlib._Compress | None = None

    async def send(self, message: Message) -> None:
        if self.passthrough:
            await self.target(message)
        elif message["type"] == "http.response.start":
            await self.on_start(message)
        elif self.compressor is not None:
            await self.on_stream(message)
        elif message["type"] == "http.response.body":
            await self.on_first_body(message)
        else:  # trailers or an extension's message: send the response as it is
            await self.pass_on(message)

    async def pass_on(self, message: Message) -> None:
        self.passthrough = True
        if self.start is not None:
            await self.target(self.start)
        await self.target(message)

    async def on_start(self, message: Message) -> None:
        headers: RawHeaders = list(message.get("headers", ()))
        message["headers"] = headers
        length = _content_length(headers)
        small = length is not None and length < self.mw.minimum_size
        if small or not self.mw.eligible(message["status"], headers):
            self.passthrough = True
            await self.target(message)
        elif self.head:
            # No body will come: say what a GET would get (RFC 9110 §9.3.2).
            merge_vary(headers, "Accept-Encoding")
            if self.accepts:
                _mark_compressed(headers)
            self.passthrough = True
            await self.target(message)
        else:
            self.start = message

    async def on_first_body(self, message: Message) -> None:
        start = self.start
        if start is None:
            raise RuntimeError("The app sent a response body before http.response.start.")
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        headers: RawHeaders = start["headers"]
        if not more and len(body) < self.mw.minimum_size:
            await self.pass_on(message)
            return
        merge_vary(headers, "Accept-Encoding")
        if not self.accepts:
            await self.pass_on(message)
            return
        _mark_compressed(headers)
        compressor = zlib.compressobj(self.mw.compresslevel, zlib.DEFLATED, _GZIP_WBITS)
        if more:
            self.compressor = compressor
            await self.target(start)
            await self.on_stream(message)
            return
        data = compressor.compress(body) + compressor.flush()
        headers.append((b"content-length", str(len(data)).encode()))
        await self.target(start)
        await self.target({"type": "http.response.body", "body": data, "more_body": False})
        self.passthrough = True

    async def on_stream(self, message: Message) -> None:
        compressor = self.compressor
        if compressor is None or message["type"] != "http.response.body":
            await self.target(message)
            return
        body: bytes = message.get("body", b"")
        more: bool = message.get("more_body", False)
        if more:
            if not body:
                return  # nothing to flush; an empty gzip block would only add bytes
            data = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH)
        else:
            data = compressor.compress(body) + compressor.flush(zlib.Z_FINISH)
            self.compressor = None
            self.passthrough = True
        await self.target({"type": "http.response.body", "body": data, "more_body": more})


def _content_length(headers: RawHeaders) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _mark_compressed(headers: RawHeaders) -> None:
    """Set ``Content-Encoding: gzip``; drop the length; weaken a strong ``ETag``.

    A strong ETag promises byte-identical content, which the gzip form is not (RFC 9110
    §8.8.1), so it becomes a weak one.
    """
    kept: RawHeaders = []
    for name, value in headers:
        if name == b"content-length":
            continue
        if name == b"etag" and not value.startswith(b"W/"):
            value = b"W/" + value
        kept.append((name, value))
    kept.append((b"content-encoding", b"gzip"))
    headers[:] = kept
