"""The body-read timeout: a client that stalls or dribbles its body gets a 408."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from schooner import App, Request, Settings
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.http.request import read_body
from schooner.testing import AsyncTestClient
from schooner.types import Message

TIMEOUT = 0.3
JSON = {"content-type": "application/json"}


class Item(msgspec.Struct):
    """A JSON body."""

    name: str


def make_app(timeout: float = TIMEOUT) -> App:
    """An app with a JSON route, a form route and a streaming upload route."""
    app = App(settings=Settings(body_timeout=timeout), openapi=None)

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    @app.post("/form")
    async def form(request: Request) -> dict[str, Any]:
        return dict((await request.form()).items())

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"size": size}

    return app


async def stalled(first: bytes) -> AsyncIterator[bytes]:
    """Send ``first``, then nothing, ever (the receive channel never returns)."""
    yield first
    await asyncio.Event().wait()


async def dribbled(body: bytes, pause: float) -> AsyncIterator[bytes]:
    """Send ``body`` one byte at a time, ``pause`` seconds apart."""
    for index in range(len(body)):
        await asyncio.sleep(pause)
        yield body[index : index + 1]


async def test_stalled_json_body_is_408_problem() -> None:
    """Headers sent, body stalled: a 408 problem response closing the connection, in time."""
    async with AsyncTestClient(make_app()) as client:
        started = time.monotonic()
        response = await client.post("/items", content=stalled(b'{"na'), headers=JSON)
        elapsed = time.monotonic() - started
    assert response.status_code == 408
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["connection"] == "close"
    assert response.json()["status"] == 408
    assert TIMEOUT <= elapsed < TIMEOUT + 2


async def test_dribbled_json_body_is_408() -> None:
    """A body that keeps coming, but too slowly to finish in time, is a 408 too."""
    body = b'{"name": "dribbled"}'  # 20 bytes at 0.05 s each: 1 s, over the 0.3 s limit
    async with AsyncTestClient(make_app()) as client:
        response = await client.post("/items", content=dribbled(body, 0.05), headers=JSON)
    assert response.status_code == 408


async def test_stalled_urlencoded_form_is_408() -> None:
    """A form read with request.form() is covered as well."""
    headers = {"content-type": "application/x-www-form-urlencoded"}
    async with AsyncTestClient(make_app()) as client:
        response = await client.post("/form", content=stalled(b"a=1&b"), headers=headers)
    assert response.status_code == 408


async def test_stalled_stream_is_408() -> None:
    """request.stream() gives up when the next chunk does not come in time."""
    async with AsyncTestClient(make_app()) as client:
        response = await client.post("/upload", content=stalled(b"x" * 100))
    assert response.status_code == 408


async def test_slow_but_steady_stream_is_not_cut() -> None:
    """A streamed body may take longer than the timeout in total if each chunk is in time."""
    async with AsyncTestClient(make_app()) as client:
        started = time.monotonic()
        response = await client.post("/upload", content=dribbled(b"x" * 8, 0.1))
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json() == {"size": 8}
    assert elapsed > TIMEOUT


async def test_prompt_body_is_read_normally() -> None:
    """A body sent at once is unaffected, even with a tiny timeout."""
    async with AsyncTestClient(make_app(timeout=0.001)) as client:
        response = await client.post("/items", content=b'{"name": "quick"}', headers=JSON)
    assert response.status_code == 200
    assert response.json() == {"name": "quick"}


async def test_read_body_outside_an_app_uses_the_default_timeout() -> None:
    """read_body on a bare scope waits (default 30 s) and returns what eventually arrives."""
    arrived = asyncio.Event()

    async def receive() -> Message:
        await arrived.wait()
        return {"type": "http.request", "body": b"late", "more_body": False}

    reading = asyncio.ensure_future(read_body({"type": "http", "headers": []}, receive, 100))
    await asyncio.sleep(0.05)
    assert not reading.done()
    arrived.set()
    assert await reading == b"late"


async def test_read_body_raises_408_after_the_apps_timeout() -> None:
    """Called directly, read_body raises the 408 HTTPException for the app's timeout."""

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    scope = {"type": "http", "headers": [], "app": make_app(timeout=0.05)}
    with pytest.raises(HTTPException) as caught:
        await read_body(scope, receive, 100)
    assert caught.value.status_code == 408
    assert "0.05 seconds" in str(caught.value.detail)


async def test_cancelling_a_waiting_read_cancels_the_receive() -> None:
    """Cancelling the task mid-wait reaches the pending receive() as await would."""
    seen: list[str] = []

    async def receive() -> Message:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        raise AssertionError("unreachable")

    reading = asyncio.ensure_future(read_body({"type": "http", "headers": []}, receive, 100))
    await asyncio.sleep(0.01)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert seen == ["cancelled"]


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan")])
def test_body_timeout_must_be_positive_and_finite(value: float) -> None:
    """A zero, negative, infinite or NaN body_timeout is refused with a clear message."""
    with pytest.raises(ImproperlyConfigured, match="body_timeout"):
        Settings(body_timeout=value)


def test_body_timeout_from_the_environment() -> None:
    """SCHOONER_BODY_TIMEOUT sets the timeout, in seconds."""
    settings = Settings.load(environ={"SCHOONER_BODY_TIMEOUT": "2.5"}, env_file=None)
    assert settings.body_timeout == 2.5


async def test_a_second_read_on_the_same_task_gets_its_own_deadline() -> None:
    """Reads one after another on one task (the async test client's) each get the full time."""

    async def arriving_after(delay: float) -> AsyncIterator[bytes]:
        await asyncio.sleep(delay)
        yield b'{"name": "rope"}'

    async with AsyncTestClient(make_app(timeout=1.0)) as client:
        # The first read waits long enough for the watch to note its deadline; the second
        # starts at once and would run into that old deadline after about 0.4 s.
        first = await client.post("/items", content=arriving_after(0.6), headers=JSON)
        second = await client.post("/items", content=arriving_after(0.7), headers=JSON)
    assert (first.status_code, second.status_code) == (200, 200)
