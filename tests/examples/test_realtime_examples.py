"""The examples of docs/realtime.md: examples/realtime/app.py and realtime_testing.py."""

import asyncio
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from _loading import import_file

from schooner.testing import TestClient, WebSocketRejected
from schooner.websockets import WebSocketDisconnect

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path, name: str) -> ModuleType:
    """Import a file under a private module name."""
    return import_file(path, name)


def test_realtime_testing_example() -> None:
    """The test shown in the docs (realtime_testing.py) passes."""
    load(ROOT / "examples" / "docs" / "realtime_testing.py", "realtime_testing_example").test_deck()


@pytest.fixture
def realtime() -> ModuleType:
    """examples/realtime/app.py, freshly imported (its hub is per app)."""
    return load(ROOT / "examples" / "realtime" / "app.py", "realtime_example")


def test_echo_and_rooms(realtime: ModuleType) -> None:
    """Echo answers; room members hear each other; bad messages close with 1007."""
    with TestClient(realtime.app) as client:
        with client.websocket_connect("/echo") as ws:
            ws.send_text("ahoy")
            assert ws.receive_text() == "ahoy"
        with client.websocket_connect("/rooms/deck?name=ada") as ada:
            assert ada.receive_json()["text"] == "ada joined"
            assert client.get("/rooms/deck/members").json() == {"members": 1}
            ada.send_json({"text": "land ho"})
            assert ada.receive_json() == {"room": "deck", "name": "ada", "text": "land ho"}
            ada.send_json({"text": ""})
            with pytest.raises(WebSocketDisconnect) as info:
                ada.receive()
            assert info.value.code == 1007
        assert client.get("/rooms/deck/members").json() == {"members": 0}
        with (
            pytest.raises(WebSocketRejected) as refused,
            client.websocket_connect("/rooms/deck?name=admin"),
        ):
            pass
        assert refused.value.status_code == 403


async def clock_status(app: Any, query: bytes) -> tuple[int, bytes]:
    """GET /clock?``query`` straight through ASGI; the client leaves after the first chunk.

    Leaving early keeps an accepted stream from running on (the test client would wait for
    the end of a body that never ends).
    """
    app.build()
    started: list[int] = []
    chunks: list[bytes] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            gone.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/clock",
        "raw_path": b"/clock",
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver")],
    }
    await asyncio.wait_for(app(scope, receive, send), 5)
    return started[0], b"".join(chunks)


@pytest.mark.parametrize("interval", ["1e-6", "0", "0.09", "-1", "61", "nan", "inf"])
async def test_clock_interval_is_bounded(realtime: ModuleType, interval: str) -> None:
    """An interval outside 0.1..60 seconds (a tight loop, or never) is a 422 problem."""
    status, body = await clock_status(realtime.app, f"interval={interval}".encode())
    assert status == 422, body
    errors = json.loads(body)["errors"]
    assert [error["loc"] for error in errors] == [["query", "interval"]]


async def test_clock_interval_bounds_are_allowed(realtime: ModuleType) -> None:
    """0.1 and 60 seconds, the bounds themselves, start the stream."""
    for interval in (b"0.1", b"60"):
        status, body = await clock_status(realtime.app, b"interval=" + interval)
        assert status == 200, body


async def test_clock_resumes_and_stops_on_disconnect(realtime: ModuleType) -> None:
    """The SSE clock starts after Last-Event-ID and its generator ends on disconnect."""
    app = realtime.app
    app.build()
    chunks: list[bytes] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            if b"".join(chunks).count(b"event: tick") >= 2:
                gone.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/clock",
        "raw_path": b"/clock",
        "query_string": b"interval=0.1",
        "root_path": "",
        "headers": [(b"last-event-id", b"9")],
    }
    await asyncio.wait_for(app(scope, receive, send), 5)
    text = b"".join(chunks).decode()
    assert text.startswith("retry: 2000\n\n")
    assert 'id: 10\ndata: {"tick":10}' in text
    assert 'id: 11\ndata: {"tick":11}' in text
    with TestClient(app) as client:
        assert client.get("/clock/stats").json() == {"open": 0, "closed": 1}
