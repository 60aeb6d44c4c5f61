"""Server-Sent Events: a ``text/event-stream`` response fed by an (async) generator.

Each item the generator yields becomes one event: a :class:`ServerSentEvent` for full
control (event name, id, retry), a ``str`` sent as the data as is, or any other value sent
as JSON. When nothing was sent for ``ping`` seconds a comment line keeps proxies and
browsers from timing the connection out. When the client goes away, the generator is
cancelled at its current ``await`` and closed, so its ``finally`` blocks run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from schooner.concurrency import iterate_in_threadpool
from schooner.http._streaming import StreamingResponse
from schooner.http.response import encode_json

_DONE = object()


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One event of an event stream (the WHATWG HTML "server-sent events" format).

    Attributes:
        data: the payload: ``str`` as is, ``None`` for no data line, anything else as JSON.
        event: the event type (``addEventListener(type, …)`` in the browser); ``message``
            when absent.
        id: sets the browser's last event id, sent back as ``Last-Event-ID`` on reconnect.
        retry: the reconnection delay the browser should use, in milliseconds.
        comment: a comment line (ignored by browsers; useful for debugging).
    """

    data: Any = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def encode(self) -> bytes:
        """The wire form of the event, ending with the blank line that dispatches it.

        Raises:
            ValueError: ``event`` or ``id`` contains a line break (or ``id`` a NUL), or
                ``retry`` is negative: they would corrupt the stream.
        """
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in self.comment.splitlines() or [""])
        if self.event is not None:
            _check_field("event", self.event)
            lines.append(f"event: {self.event}")
        if self.id is not None:
            _check_field("id", self.id)
            if "\0" in self.id:
                raise ValueError("An event id cannot contain NUL.")
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            if self.retry < 0:
                raise ValueError(f"retry must be >= 0 milliseconds, not {self.retry}.")
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            text = self.data if isinstance(self.data, str) else encode_json(self.data).decode()
            # Every line of the payload gets its own "data:" field (\r\n, \r and \n split).
            lines.extend(f"data: {line}" for line in text.splitlines() or [""])
        return ("\n".join(lines) + "\n\n").encode()


def _check_field(name: str, value: str) -> None:
    if "\n" in value or "\r" in value:
        raise ValueError(f"An event {name} cannot contain a line break: {value!r}.")


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response: return it from a handler to stream events.

    Args:
        events: an async or sync iterable of events (``ServerSentEvent``, ``str`` or a
            JSON-able value). Sync iterables run in the thread pool.
        ping: seconds of silence after which a ``: ping`` comment is sent; ``None`` never.
        retry: a reconnection delay (ms) sent to the browser before the first event.
        status_code: the HTTP status, 200 by default.
        headers: extra headers.

    The response sets ``Cache-Control: no-cache`` and ``X-Accel-Buffering: no`` so proxies
    pass events through at once. Read ``Last-Event-ID`` with a header parameter to resume.
    """

    def __init__(
        self,
        events: AsyncIterable[Any] | Iterable[Any],
        *,
        ping: float | None = 15.0,
        retry: int | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if ping is not None and ping <= 0:
            raise ValueError(f"ping must be a positive number of seconds or None, not {ping}.")
        merged = {"cache-control": "no-cache", "x-accel-buffering": "no", **(headers or {})}
        self.events = events
        self.ping = ping
        self.retry = retry
        super().__init__(
            self._frames(),
            status_code=status_code,
            headers=merged,
            media_type="text/event-stream",
        )

    async def _frames(self) -> AsyncIterator[bytes]:
        if self.retry is not None:
            yield ServerSentEvent(retry=self.retry).encode()
        source = self.events
        iterator: AsyncIterator[Any] = (
            aiter(source) if isinstance(source, AsyncIterable) else iterate_in_threadpool(source)
        )
        # A producer task feeds a one-slot queue, so waiting for the next event can time out
        # (to send a ping) without cancelling the generator in the middle of its work.
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        producer = asyncio.ensure_future(_produce(iterator, queue))
        try:
            while True:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a
                # cancellation (the client left) that arrives as the next event is ready,
                # and the stream would then run on for a client that has gone.
                try:
                    async with asyncio.timeout(self.ping):
                        item = await queue.get()
                except TimeoutError:
                    yield b": ping\n\n"
                    continue
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                event = item if isinstance(item, ServerSentEvent) else ServerSentEvent(item)
                yield event.encode()
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()


async def _produce(iterator: AsyncIterator[Any], queue: asyncio.Queue[Any]) -> None:
    try:
        async for item in iterator:
            await queue.put(item)
    except Exception as exc:  # handed to the consumer, which raises it in the response
        await queue.put(exc)
        return
    await queue.put(_DONE)
