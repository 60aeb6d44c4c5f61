"""End-to-end: the websocket example under ``schooner serve``, driven by the websockets library."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from test_serve import server_env, serving
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

pytestmark = pytest.mark.e2e

EXAMPLE = "examples/realtime/app.py"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ws://`` URL of a real server running the websocket example, stopped by PID."""
    log = tmp_path_factory.mktemp("ws") / "server.log"
    with serving(log, server_env(), app=EXAMPLE, probe="/clock/stats") as server:
        yield f"ws://127.0.0.1:{server.port}"


async def test_echo(base_url: str) -> None:
    """Text messages come straight back over a real connection."""
    async with connect(f"{base_url}/echo") as ws:
        for text in ("ahoy", "é" * 1000):
            await ws.send(text)
            assert await ws.recv() == text


async def test_broadcast_reaches_every_member(base_url: str) -> None:
    """Two members of a room both receive what one of them says."""
    async with (
        connect(f"{base_url}/rooms/deck?name=ada") as ada,
        connect(f"{base_url}/rooms/deck?name=bo") as bo,
    ):
        assert json.loads(await ada.recv())["text"] == "ada joined"
        assert json.loads(await ada.recv())["text"] == "bo joined"
        assert json.loads(await bo.recv())["text"] == "bo joined"
        await ada.send(json.dumps({"text": "land ho"}))
        for member in (ada, bo):
            assert json.loads(await member.recv()) == {
                "room": "deck",
                "name": "ada",
                "text": "land ho",
            }
    async with connect(f"{base_url}/rooms/other?name=cy") as cy:  # rooms are separate
        assert json.loads(await cy.recv())["text"] == "cy joined"


async def test_invalid_message_closes_with_1007(base_url: str) -> None:
    """A message failing validation closes the socket with 1007 and says why."""
    async with connect(f"{base_url}/rooms/deck?name=ada") as ws:
        await ws.recv()
        await ws.send(json.dumps({"text": ""}))
        with pytest.raises(ConnectionClosed) as info:
            await ws.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1007
    assert info.value.rcvd.reason.startswith("message.text:")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/rooms/deck?name=admin", 403),  # refused by the handler before accept
        ("/rooms/deck", 422),  # the required query parameter is missing
        ("/nowhere", 404),
    ],
)
async def test_handshake_refusals(base_url: str, path: str, status: int) -> None:
    """Refusals before accept are HTTP responses with the right status."""
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{base_url}{path}"):
            pass
    assert info.value.response.status_code == status
