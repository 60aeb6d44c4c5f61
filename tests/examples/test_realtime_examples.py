"""The examples of docs/realtime.md: examples/realtime/app.py and realtime_testing.py."""

import asyncio
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
        "query_string": b"interval=0.01",
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
