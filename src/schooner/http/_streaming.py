"""Streaming responses: a body sent chunk by chunk as an iterator produces it.

While the body is being sent, Schooner also listens for ``http.disconnect``: when the client
goes away the producer is cancelled and closed at once instead of running to the end for
nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any, TypeAlias

from schooner.concurrency import iterate_in_threadpool, run_sync
from schooner.http.response import Response
from schooner.types import Receive, Scope, Send

Chunk: TypeAlias = bytes | str
"""One piece of a streamed body; ``str`` is encoded with the response charset."""

StreamContent: TypeAlias = AsyncIterable[Chunk] | Iterable[Chunk]
"""What a ``StreamingResponse`` streams: an async or a sync iterable of chunks."""

# Closes whatever produces the chunks; calling it twice is harmless.
_Closer: TypeAlias = Callable[[], Awaitable[None]]


class StreamingResponse(Response):
    """A response whose body comes from an iterator, sent as each chunk is produced.

    ``content`` may be an async iterable (an ``async def`` generator, say) or a sync one; sync
    iterables run in the thread pool so a slow ``next()`` never blocks the event loop. Each
    chunk is sent as soon as it is produced, and the next one is only asked for once the
    server has taken it, so a slow client slows the producer down instead of filling memory.

    There is no ``Content-Length`` unless you set one in ``headers``. If the client
    disconnects, the iterator is cancelled and closed (its ``finally`` blocks run); an
    exception raised by the iterator propagates after it is closed. ``HEAD`` requests get the
    headers only and the iterator is closed without being iterated.

    Args:
        content: the chunks of the body, ``bytes`` or ``str``.
        status_code: the HTTP status, 200 by default.
        headers: extra headers.
        media_type: the ``Content-Type``; text types get ``; charset=utf-8``.
    """

    def __init__(
        self,
        content: StreamContent,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        if isinstance(content, str | bytes | bytearray | memoryview):
            raise TypeError(
                "StreamingResponse content must be an iterable of chunks, not a single "
                f"{type(content).__name__}; use Response for a body that is already complete."
            )
        has_length = any(key.lower() == "content-length" for key in headers or ())
        super().__init__(None, status_code, headers, media_type)
        if not has_length and "content-length" in self.headers:
            del self.headers["content-length"]
        self.content = content

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the headers, then each chunk, until the iterator ends or the client leaves."""
        chunks, close = self._open()
        if scope.get("method") == "HEAD":
            try:
                await send(self.start_message(scope))
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            finally:
                await close()
            return
        await run_until_disconnect(self._stream(scope, send, chunks, close), receive)

    def _open(self) -> tuple[AsyncIterator[Chunk], _Closer]:
        content = self.content
        if isinstance(content, AsyncIterable):
            iterator = aiter(content)
            return iterator, _async_closer(iterator)
        sync_iterator = iter(content)
        threaded = iterate_in_threadpool(sync_iterator)
        return threaded, _sync_closer(threaded, sync_iterator)

    async def _stream(
        self, scope: Scope, send: Send, chunks: AsyncIterator[Chunk], close: _Closer
    ) -> None:
        try:
            await send(self.start_message(scope))
            async for chunk in chunks:
                body = self._encode(chunk)
                await send({"type": "http.response.body", "body": body, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await close()

    def _encode(self, chunk: object) -> bytes:
        if isinstance(chunk, bytes):
            return chunk
        if isinstance(chunk, str):
            return chunk.encode(self.charset)
        if isinstance(chunk, bytearray | memoryview):
            return bytes(chunk)
        raise TypeError(
            f"StreamingResponse chunks must be bytes or str, not {type(chunk).__name__}."
        )


async def _aclose(iterator: AsyncIterator[Chunk]) -> None:
    # Async generators have aclose(); a plain async iterator has nothing to close.
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


def _async_closer(iterator: AsyncIterator[Chunk]) -> _Closer:
    async def close() -> None:
        await _aclose(iterator)

    return close


def _sync_closer(threaded: AsyncIterator[Chunk], iterator: Iterator[Chunk]) -> _Closer:
    async def close() -> None:
        await _aclose(threaded)
        sync_close = getattr(iterator, "close", None)
        if sync_close is None or getattr(iterator, "gi_running", False):
            # Still inside next() in a worker thread, which cannot be interrupted; the
            # generator is closed when it is garbage-collected instead.
            return
        # ValueError: it started running in a worker thread after all.
        with contextlib.suppress(ValueError):
            await run_sync(sync_close)

    return close


async def run_until_disconnect(body: Coroutine[Any, Any, None], receive: Receive) -> bool:
    """Run ``body``, which sends a response, until it ends or the client disconnects.

    ``receive`` is read concurrently and anything but ``http.disconnect`` (such as an unread
    request body) is discarded. On disconnect ``body`` is cancelled, so its ``finally``
    blocks release files and iterators promptly. Exceptions from ``body`` or ``receive``
    propagate unchanged.

    Returns:
        ``True`` when the client disconnected before ``body`` finished.
    """
    sending = asyncio.ensure_future(body)
    listening = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        await asyncio.wait((sending, listening), return_when=asyncio.FIRST_COMPLETED)
    finally:
        sending.cancel()
        listening.cancel()
        await asyncio.wait((sending, listening))
    if not sending.cancelled():
        error = sending.exception()
        if error is not None:
            raise error
        return False
    error = None if listening.cancelled() else listening.exception()
    if error is not None:
        raise error
    return True


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
