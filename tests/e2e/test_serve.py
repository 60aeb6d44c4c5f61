"""End-to-end: ``schooner serve examples/hello/app.py`` in a real process, over real sockets."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HELLO = "examples/hello/app.py"
START_TIMEOUT = 30.0


@dataclass
class Server:
    """A running server process and where to reach it."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        """Everything the server printed so far."""
        return self.log.read_text(errors="replace")


@dataclass
class Reply:
    """A parsed HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


def free_port() -> int:
    """Ask the OS for a port nobody is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(**values: str) -> dict[str, str]:
    """The current environment without any SCHOONER_* variable, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHOONER_")}
    env.pop("WEB_CONCURRENCY", None)
    env.update(values)
    return env


def start(port: int, log: Path, env: dict[str, str], app: str = HELLO) -> subprocess.Popen[bytes]:
    """Start ``schooner serve app`` on ``port``, writing its output to ``log``."""
    command = [sys.executable, "-m", "schooner.cli", "serve", app, "--port", str(port)]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*command, "--workers", "1"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the process by its PID; kill it if it does not stop in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def request(
    server: Server,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Send one request with http.client on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


def raw_request(server: Server, head: bytes) -> Reply:
    """Send ``head`` byte for byte (no client normalisation) and parse the response."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header_block, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(int(status_line.split()[1]), headers, body)


def wait_until_serving(server: Server, path: str = "/") -> None:
    """Poll ``GET path`` until it answers 200; fail with the server's output if it never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"The server exited with {server.proc.returncode}:\n{server.output()}")
        try:
            if request(server, "GET", path).status == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"The server did not answer within {START_TIMEOUT}s:\n{server.output()}")


@contextlib.contextmanager
def serving(log: Path, env: dict[str, str], app: str = HELLO, probe: str = "/") -> Iterator[Server]:
    """``schooner serve app`` on a free port, answering ``GET probe``; stopped by its PID."""
    port = free_port()
    proc = start(port, log, env, app)
    running = Server(proc, port, log)
    try:
        wait_until_serving(running, probe)
        yield running
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A development-environment server for examples/hello, stopped after the module."""
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with serving(log, server_env(SCHOONER_ENVIRONMENT="development")) as running:
        yield running


def header(reply: Reply, name: str) -> str:
    """A response header, case-insensitively."""
    return {k.lower(): v for k, v in reply.headers.items()}.get(name.lower(), "")


def test_get_index(server: Server) -> None:
    """GET / answers 200 with the JSON greeting."""
    reply = request(server, "GET", "/")
    assert reply.status == 200
    assert header(reply, "content-type").startswith("application/json")
    assert reply.json() == {"message": "Hello from Schooner"}


def test_body_over_the_limit_is_413(server: Server) -> None:
    """A body over the 1 MiB default limit is refused with a 413 problem document."""
    body = b'{"name": "' + b"x" * (1024 * 1024) + b'", "price": 1}'
    reply = request(
        server,
        "POST",
        "/items",
        body=body,
        headers={"Content-Type": "application/json", "Content-Length": str(len(body))},
    )
    assert reply.status == 413, reply.body[:500]
    assert header(reply, "content-type").startswith("application/problem+json")
    assert reply.json()["status"] == 413


def test_invalid_body_lists_every_field(server: Server) -> None:
    """A body failing two constraints gets a 422 naming both fields by location."""
    reply = request(
        server,
        "POST",
        "/items",
        body=b'{"name": "", "price": -1}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 422, reply.body
    assert header(reply, "content-type").startswith("application/problem+json")
    locations = [error["loc"] for error in reply.json()["errors"]]
    assert ["body", "name"] in locations
    assert ["body", "price"] in locations


def test_wrong_method_is_405_with_allow(server: Server) -> None:
    """DELETE on a GET-only path is a 405 whose Allow header lists GET."""
    reply = request(server, "DELETE", "/")
    assert reply.status == 405
    assert "GET" in header(reply, "allow")


def test_malformed_json_is_400(server: Server) -> None:
    """A body that is not JSON is a 400, not a 500."""
    reply = request(
        server, "POST", "/items", body=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400, reply.body
    assert header(reply, "content-type").startswith("application/problem+json")


@pytest.mark.parametrize("target", [b"/items/%zz", b"/%C3%28", b"/items?tag=%zz"])
def test_invalid_percent_encoding_is_400(server: Server, target: bytes) -> None:
    """Bad percent-encoding in the path or the query, sent verbatim, is a 400."""
    reply = raw_request(
        server, b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    assert reply.status == 400, (target, reply.status, reply.body)


def test_slow_sync_handler_does_not_block_async_ones(server: Server) -> None:
    """While a sync handler sleeps in a thread, an async request is answered at once."""
    done: list[float] = []

    def slow() -> None:
        started = time.monotonic()
        assert request(server, "GET", "/slow?seconds=1").status == 200
        done.append(time.monotonic() - started)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)  # let the slow request reach its handler
    started = time.monotonic()
    reply = request(server, "GET", "/")
    fast = time.monotonic() - started
    thread.join(timeout=10)
    assert reply.status == 200
    assert fast < 0.3
    assert done
    assert done[0] >= 1.0


def test_production_without_secret_key_does_not_start(tmp_path: Path) -> None:
    """In production without SCHOONER_SECRET_KEY the server exits non-zero and says why."""
    log = tmp_path / "server.log"
    proc = start(free_port(), log, server_env(SCHOONER_ENVIRONMENT="production"))
    try:
        proc.wait(timeout=START_TIMEOUT)
    finally:
        stop(proc)
    output = log.read_text(errors="replace")
    assert proc.returncode != 0, output
    assert "SCHOONER_SECRET_KEY" in output
