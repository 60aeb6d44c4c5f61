"""Tests for StreamingResponse, driven as a bare ASGI app with a fake receive and send."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from _sent import Sent

from schooner.http import StreamingResponse
from schooner.types import Message

Receive = Callable[[], Awaitable[Message]]


async def never_disconnect() -> Message:
    """Block like a server whose client stays connected."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def call(
    response: StreamingResponse,
    *,
    method: str = "GET",
    receive: Receive = never_disconnect,
    sent: Sent | None = None,
) -> Sent:
    """Run ``response`` as an ASGI app and return what it sent."""
    sent = sent or Sent()
    scope: dict[str, Any] = {"type": "http", "method": method, "headers": []}
    await asyncio.wait_for(response(scope, receive, sent.send), timeout=5)
    return sent


async def test_async_generator_chunks_are_sent_one_by_one() -> None:
    """Each chunk is its own body message with more_body, then an empty final message."""

    async def numbers() -> AsyncIterator[bytes | str]:
        yield b"one,"
        yield "two,"
        yield "thr\u00e9e"

    sent = await call(StreamingResponse(numbers(), media_type="text/plain"))
    assert sent.status == 200
    assert sent.chunks == [b"one,", b"two,", "thr\u00e9e".encode(), b""]
    assert [m["more_body"] for m in sent.messages[1:]] == [True, True, True, False]
    assert all(m["type"] == "http.response.body" for m in sent.messages[1:])
    assert sent.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-length" not in sent.headers


async def test_status_headers_and_cookies_are_sent() -> None:
    """The status, extra headers and cookies reach the start message."""
    response = StreamingResponse(
        [b"x"], status_code=201, headers={"X-Trace": "abc"}, media_type="application/x-ndjson"
    )
    response.set_cookie("session", "s1")
    sent = await call(response)
    assert sent.status == 201
    assert sent.headers["x-trace"] == "abc"
    assert sent.headers["content-type"] == "application/x-ndjson"
    assert sent.headers["set-cookie"].startswith("session=s1")


async def test_explicit_content_length_is_kept() -> None:
    """A Content-Length passed by the caller is sent unchanged."""
    response = StreamingResponse([b"abc"], headers={"Content-Length": "3"})
    sent = await call(response)
    assert sent.headers.getlist("content-length") == ["3"]
    assert sent.body == b"abc"


async def test_sync_iterables_run_in_the_thread_pool() -> None:
    """A sync generator's next() runs off the event loop thread."""
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def produce() -> Iterator[str]:
        for word in ("a", "b"):
            threads.append(threading.get_ident())
            yield word

    sent = await call(StreamingResponse(produce()))
    assert sent.chunks == [b"a", b"b", b""]
    assert threads
    assert loop_thread not in threads


async def test_plain_lists_and_bytes_like_chunks_are_accepted() -> None:
    """A list works as content; bytearray and memoryview chunks become bytes."""
    content: list[Any] = [b"a", bytearray(b"b"), memoryview(b"c"), "d"]
    sent = await call(StreamingResponse(content))
    assert sent.chunks == [b"a", b"b", b"c", b"d", b""]
    assert all(type(chunk) is bytes for chunk in sent.chunks)


async def test_custom_async_iterables_without_aclose_work() -> None:
    """An async iterable that is not a generator is streamed to the end."""

    class Countdown:
        def __init__(self) -> None:
            self.left = 3

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> bytes:
            if self.left == 0:
                raise StopAsyncIteration
            self.left -= 1
            return str(self.left).encode()

    sent = await call(StreamingResponse(Countdown()))
    assert sent.body == b"210"


@pytest.mark.parametrize("content", ["text", b"bytes"])
def test_a_single_str_or_bytes_is_rejected(content: Any) -> None:
    """Passing a whole body instead of an iterable raises TypeError pointing to Response."""
    with pytest.raises(TypeError, match="use Response"):
        StreamingResponse(content)


async def test_chunks_of_other_types_raise_after_closing() -> None:
    """A chunk that is neither bytes nor str raises TypeError, and the generator is closed."""
    closed = []

    async def bad() -> AsyncIterator[Any]:
        try:
            yield 42
        finally:
            closed.append(True)

    with pytest.raises(TypeError, match="not int"):
        await call(StreamingResponse(bad()))
    assert closed == [True]


async def test_head_sends_headers_without_iterating() -> None:
    """HEAD sends the headers and an empty body, never starts the generator, and closes it."""
    started = []

    async def body() -> AsyncIterator[bytes]:
        started.append(True)
        yield b"never"

    generator = body()
    sent = await call(StreamingResponse(generator, media_type="text/plain"), method="HEAD")
    assert sent.status == 200
    assert sent.headers["content-type"] == "text/plain; charset=utf-8"
    assert sent.chunks == [b""]
    assert sent.messages[1]["more_body"] is False
    assert started == []
    with pytest.raises(StopAsyncIteration):
        await generator.__anext__()


async def test_head_closes_sync_generators_too() -> None:
    """HEAD closes a sync generator without running it."""
    started = []

    def body() -> Iterator[bytes]:
        started.append(True)
        yield b"never"

    generator = body()
    await call(StreamingResponse(generator), method="HEAD")
    assert started == []
    with pytest.raises(StopIteration):
        next(generator)


async def test_disconnect_closes_an_endless_async_generator() -> None:
    """When receive reports http.disconnect, a generator that yields forever is closed."""
    produced = asyncio.Event()
    count = 0
    closed = []

    async def forever() -> AsyncIterator[bytes]:
        nonlocal count
        try:
            while True:
                count += 1
                if count == 3:
                    produced.set()
                yield b"tick"
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    async def receive() -> Message:
        await produced.wait()
        return {"type": "http.disconnect"}

    sent = await call(StreamingResponse(forever()), receive=receive)
    assert closed == [True]
    assert all(m["more_body"] for m in sent.messages[1:])
    assert count < 100


async def test_disconnect_cancels_a_generator_waiting_inside() -> None:
    """A generator blocked in its own await is cancelled and its finally runs."""
    waiting = asyncio.Event()
    closed = []

    async def slow() -> AsyncIterator[bytes]:
        try:
            yield b"first"
            waiting.set()
            await asyncio.sleep(3600)
            yield b"never"
        finally:
            closed.append(True)

    async def receive() -> Message:
        await waiting.wait()
        return {"type": "http.disconnect"}

    sent = await call(StreamingResponse(slow()), receive=receive)
    assert sent.chunks == [b"first"]
    assert closed == [True]


async def test_disconnect_while_send_blocks_closes_the_generator() -> None:
    """If the client leaves while send is waiting, the suspended generator is closed."""
    stuck = asyncio.Event()
    closed = []

    async def words() -> AsyncIterator[str]:
        try:
            while True:
                yield "word"
        finally:
            closed.append(True)

    class SlowClient(Sent):
        async def send(self, message: Message) -> None:
            await super().send(message)
            if len(self.messages) == 3:
                stuck.set()
                await asyncio.Event().wait()

    async def receive() -> Message:
        await stuck.wait()
        return {"type": "http.disconnect"}

    sent = await call(StreamingResponse(words()), receive=receive, sent=SlowClient())
    assert len(sent.messages) == 3
    assert closed == [True]


async def test_disconnect_closes_an_endless_sync_generator() -> None:
    """A sync generator suspended at a yield is closed, running its finally, on disconnect."""
    stuck = asyncio.Event()
    closed = []

    def forever() -> Iterator[bytes]:
        try:
            while True:
                yield b"tick"
        finally:
            closed.append(True)

    class SlowClient(Sent):
        async def send(self, message: Message) -> None:
            await super().send(message)
            if len(self.messages) == 3:
                stuck.set()
                await asyncio.Event().wait()

    async def receive() -> Message:
        await stuck.wait()
        return {"type": "http.disconnect"}

    await call(StreamingResponse(forever()), receive=receive, sent=SlowClient())
    assert closed == [True]


async def test_disconnect_does_not_wait_for_a_blocked_sync_generator() -> None:
    """A sync generator stuck inside next() in a thread does not delay the response."""
    inside = threading.Event()
    release = threading.Event()

    def blocking() -> Iterator[bytes]:
        yield b"first"
        inside.set()
        release.wait(timeout=5)
        yield b"late"

    async def receive() -> Message:
        await asyncio.get_running_loop().run_in_executor(None, inside.wait, 5)
        return {"type": "http.disconnect"}

    try:
        sent = await call(StreamingResponse(blocking()), receive=receive)
        assert sent.chunks == [b"first"]
        assert not release.is_set()
    finally:
        release.set()


async def test_request_body_messages_are_ignored_while_listening() -> None:
    """Unread http.request messages do not count as a disconnect."""
    messages: list[Message] = [{"type": "http.request", "body": b"unread", "more_body": False}]

    async def receive() -> Message:
        if messages:
            return messages.pop()
        return await never_disconnect()

    async def body() -> AsyncIterator[bytes]:
        for _ in range(3):
            await asyncio.sleep(0)
            yield b"x"

    sent = await call(StreamingResponse(body()), receive=receive)
    assert sent.body == b"xxx"
    assert not messages


@pytest.mark.parametrize("sync", [False, True])
async def test_iterator_exceptions_propagate_after_closing(sync: bool) -> None:
    """An exception from the iterator is raised by the response, not swallowed."""
    closed = []

    async def async_body() -> AsyncIterator[bytes]:
        try:
            yield b"partial"
            raise ValueError("boom")
        finally:
            closed.append(True)

    def sync_body() -> Iterator[bytes]:
        try:
            yield b"partial"
            raise ValueError("boom")
        finally:
            closed.append(True)

    sent = Sent()
    content = sync_body() if sync else async_body()
    with pytest.raises(ValueError, match="boom"):
        await call(StreamingResponse(content), sent=sent)
    assert closed == [True]
    assert sent.chunks == [b"partial"]


async def test_send_errors_propagate_and_close_the_generator() -> None:
    """If send fails (the server lost the client), the error propagates and the generator closes."""
    closed = []

    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            closed.append(True)

    class BrokenPipe(Sent):
        async def send(self, message: Message) -> None:
            await super().send(message)
            if len(self.messages) == 2:
                raise OSError("connection lost")

    with pytest.raises(OSError, match="connection lost"):
        await call(StreamingResponse(body()), sent=BrokenPipe())
    assert closed == [True]


async def test_receive_errors_propagate_and_stop_streaming() -> None:
    """An exception raised by receive propagates and the stream is cancelled and closed."""
    closed = []
    started = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        try:
            started.set()
            while True:
                yield b"x"
                await asyncio.sleep(0.01)
        finally:
            closed.append(True)

    async def receive() -> Message:
        await started.wait()
        raise RuntimeError("receive failed")

    with pytest.raises(RuntimeError, match="receive failed"):
        await call(StreamingResponse(body()), receive=receive)
    assert closed == [True]


async def test_cancelling_the_response_closes_the_generator() -> None:
    """When the task sending the response is cancelled, the generator is closed too."""
    started = asyncio.Event()
    closed = []

    async def body() -> AsyncIterator[bytes]:
        try:
            started.set()
            while True:
                yield b"x"
                await asyncio.sleep(0.01)
        finally:
            closed.append(True)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "headers": []}
    task = asyncio.create_task(StreamingResponse(body())(scope, never_disconnect, Sent().send))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed == [True]
