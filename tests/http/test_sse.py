"""Server-Sent Events: the wire format, pings, errors and end-to-end streaming."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import msgspec
import pytest

from schooner import App, Header
from schooner.http import EventSourceResponse, ServerSentEvent
from schooner.testing import TestClient


class Tick(msgspec.Struct):
    """A JSON event payload."""

    n: int


@pytest.mark.parametrize(
    ("event", "wire"),
    [
        (ServerSentEvent("hello"), b"data: hello\n\n"),
        (ServerSentEvent("a\nb\r\nc\rd"), b"data: a\ndata: b\ndata: c\ndata: d\n\n"),
        (ServerSentEvent(""), b"data: \n\n"),
        (ServerSentEvent({"n": 1}), b'data: {"n":1}\n\n'),
        (ServerSentEvent(Tick(2), event="tick", id="7"), b'event: tick\nid: 7\ndata: {"n":2}\n\n'),
        (ServerSentEvent(retry=3000), b"retry: 3000\n\n"),
        (ServerSentEvent(comment="two\nlines"), b": two\n: lines\n\n"),
        (ServerSentEvent(comment=""), b": \n\n"),
    ],
)
def test_encode(event: ServerSentEvent, wire: bytes) -> None:
    """Fields are written in the WHATWG format; multi-line data gets one line per field."""
    assert event.encode() == wire


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ServerSentEvent("x", event="a\nb"), "event cannot contain a line break"),
        (ServerSentEvent("x", id="1\r2"), "id cannot contain a line break"),
        (ServerSentEvent("x", id="1\x002"), "cannot contain NUL"),
        (ServerSentEvent(retry=-1), "retry must be >= 0"),
    ],
)
def test_encode_refuses_what_would_corrupt_the_stream(event: ServerSentEvent, message: str) -> None:
    """Line breaks in event or id, NUL in id and negative retry are errors."""
    with pytest.raises(ValueError, match=message):
        event.encode()


def test_ping_must_be_positive() -> None:
    """A zero or negative ping interval is refused."""
    with pytest.raises(ValueError, match="ping must be"):
        EventSourceResponse([], ping=0)


def make_app() -> App:
    """An app with finite, slow, sync and failing event streams."""
    app = App()

    @app.get("/events")
    async def events(
        last: Annotated[int, Header(alias="last-event-id")] = 0,
    ) -> EventSourceResponse:
        async def stream() -> AsyncIterator[Any]:
            for n in range(last + 1, last + 4):
                yield ServerSentEvent(Tick(n), event="tick", id=str(n))
            yield "done"

        return EventSourceResponse(stream(), retry=1000)

    @app.get("/slow")
    async def slow() -> EventSourceResponse:
        async def stream() -> AsyncIterator[str]:
            await asyncio.sleep(0.2)
            yield "late"

        return EventSourceResponse(stream(), ping=0.05)

    @app.get("/sync")
    def sync_events() -> EventSourceResponse:
        def stream() -> Iterator[dict[str, int]]:
            yield {"a": 1}
            yield {"a": 2}

        return EventSourceResponse(stream(), ping=None)

    @app.get("/broken")
    async def broken() -> EventSourceResponse:
        async def stream() -> AsyncIterator[str]:
            yield "first"
            raise RuntimeError("stream failed")

        return EventSourceResponse(stream())

    return app


def test_stream_headers_and_events() -> None:
    """The response is an uncached event stream; Last-Event-ID resumes it."""
    with TestClient(make_app()) as client:
        response = client.get("/events", headers={"last-event-id": "5"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert "content-length" not in response.headers
    assert response.text == (
        "retry: 1000\n\n"
        'event: tick\nid: 6\ndata: {"n":6}\n\n'
        'event: tick\nid: 7\ndata: {"n":7}\n\n'
        'event: tick\nid: 8\ndata: {"n":8}\n\n'
        "data: done\n\n"
    )


def test_pings_fill_silence() -> None:
    """While the generator is quiet, ping comments keep the connection alive."""
    with TestClient(make_app()) as client:
        text = client.get("/slow").text
    assert text.startswith(": ping\n\n")
    assert text.endswith("data: late\n\n")
    assert text.count(": ping") >= 2


def test_sync_generator_and_head() -> None:
    """Sync generators run in the thread pool; HEAD sends headers only."""
    with TestClient(make_app()) as client:
        assert client.get("/sync").text == 'data: {"a":1}\n\ndata: {"a":2}\n\n'
        head = client.head("/sync")
        assert head.status_code == 200
        assert head.content == b""


def test_generator_error_propagates_after_what_was_sent() -> None:
    """An error in the generator ends the stream and reaches the server (and the log)."""
    with TestClient(make_app()) as client, pytest.raises(RuntimeError, match="stream failed"):
        client.get("/broken")


async def serve_until_the_client_leaves(response: EventSourceResponse) -> list[bytes]:
    """Serve ``response`` to a client that leaves once the first event arrives; its bodies."""
    sent: list[bytes] = []
    disconnect = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            sent.append(message["body"])
            disconnect.set()

    scope = {"type": "http", "method": "GET", "headers": []}
    await asyncio.wait_for(response(scope, receive, send), 2)
    return sent


async def test_disconnect_cancels_the_generator_promptly() -> None:
    """When the client leaves, the generator is cancelled at its await and closed."""
    cancelled = asyncio.Event()

    async def forever() -> AsyncIterator[str]:
        try:
            while True:
                yield "tick"
                await asyncio.sleep(10)
        finally:
            cancelled.set()

    sent = await serve_until_the_client_leaves(EventSourceResponse(forever()))
    assert sent == [b"data: tick\n\n"]
    assert cancelled.is_set()


async def test_disconnect_while_events_are_ready_ends_the_stream() -> None:
    """A client leaving while the next event is already waiting still ends the stream.

    (On Python 3.11, waiting for the next event with ``asyncio.wait_for`` lost that
    cancellation and the stream ran on for a client that had gone.)
    """
    closed = asyncio.Event()

    async def busy() -> AsyncIterator[str]:
        try:
            while True:
                yield "tick"
                await asyncio.sleep(0)  # the next event is always ready at once
        finally:
            closed.set()

    sent = await serve_until_the_client_leaves(EventSourceResponse(busy(), retry=1000))
    assert closed.is_set()
    assert len(sent) < 10
