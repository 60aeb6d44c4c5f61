"""End-to-end: the websocket example under ``schooner serve``, driven by the websockets library."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_serve import ROOT, START_TIMEOUT, free_port, server_env, stop
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

pytestmark = pytest.mark.e2e

EXAMPLE = "examples/realtime/app.py"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ws://`` URL of a real server running the websocket example, stopped by PID."""
    port = free_port()
    log = tmp_path_factory.mktemp("ws") / "server.log"
    command = [sys.executable, "-m", "schooner.cli", "serve", EXAMPLE, "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=server_env(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(proc, port, log)
        yield f"ws://127.0.0.1:{port}"
    finally:
        stop(proc)


def wait_for_port(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until the server accepts websocket handshakes."""
    deadline = time.monotonic() + START_TIMEOUT

    async def probe() -> None:
        async with connect(f"ws://127.0.0.1:{port}/echo", open_timeout=2):
            pass

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"The server exited:\n{log.read_text(errors='replace')}")
        try:
            asyncio.run(probe())
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"The server did not start:\n{log.read_text(errors='replace')}")


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
