"""End-to-end: an SSE stream under ``schooner serve`` is cancelled when the client leaves."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from test_serve import server_env, serving

pytestmark = pytest.mark.e2e

EXAMPLE = "examples/realtime/app.py"


def get_json(port: int, path: str) -> dict[str, int]:
    """GET ``path`` on a fresh connection and decode the JSON body."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    result: dict[str, int] = json.loads(data.partition(b"\r\n\r\n")[2])
    return result


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a real server running the realtime example, stopped by PID."""
    log = tmp_path_factory.mktemp("sse") / "server.log"
    with serving(log, server_env(), app=EXAMPLE, probe="/clock/stats") as server:
        yield server.port


def test_disconnect_cancels_the_generator(port: int) -> None:
    """Events stream in; closing the socket ends the generator within a second."""
    assert get_json(port, "/clock/stats") == {"open": 0, "closed": 0}
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /clock?interval=0.1 HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 41\r\n\r\n")
    received = b""
    while received.count(b"event: tick") < 3:
        received += sock.recv(65536)
    assert b"text/event-stream" in received
    assert b'id: 42\ndata: {"tick":42}' in received
    assert get_json(port, "/clock/stats")["open"] == 1
    sock.close()
    deadline = time.monotonic() + 1.0
    while get_json(port, "/clock/stats") != {"open": 0, "closed": 1}:
        assert time.monotonic() < deadline, "the generator was not cancelled within 1 s"
        time.sleep(0.02)
