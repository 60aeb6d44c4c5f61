"""End-to-end: ``schooner run`` shows its debug page to this machine only."""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_serve import ROOT, Reply, Server, free_port, server_env, stop, wait_until_serving

pytestmark = pytest.mark.e2e

CRASHING_APP = """
from schooner import App, Settings

app = App(settings=Settings.load(env_file=None, toml_file=None))


@app.get("/")
async def index() -> dict[str, bool]:
    return {"ok": True}


@app.get("/crash")
async def crash() -> None:
    raise RuntimeError("the mainsail tore")
"""


def non_loopback_address() -> str:
    """An address of this machine that is not loopback (skip the test if there is none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            pytest.skip("this machine has no network interface besides loopback")
        address: str = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no network interface besides loopback")
    return address


@contextlib.contextmanager
def running(tmp_path: Path, *options: str) -> Iterator[Server]:
    """``schooner run app.py --no-reload *options`` on a free port, stopped by its PID."""
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent(CRASHING_APP))
    port = free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "schooner.cli", "run", str(app), "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--no-reload", *options],
            cwd=ROOT,
            env=server_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(proc, port, log)
    try:
        wait_until_serving(server)
        yield server
    finally:
        stop(proc)


def get(host: str, port: int, path: str, accept: str) -> Reply:
    """``GET path`` from this machine to ``host:port``."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


def test_debug_page_for_loopback_plain_500_for_other_peers(tmp_path: Path) -> None:
    """Bound to 0.0.0.0 with debug on: loopback gets tracebacks, the LAN address does not."""
    address = non_loopback_address()
    with running(tmp_path, "--host", "0.0.0.0") as server:
        local = get("127.0.0.1", server.port, "/crash", "text/html")
        remote = get(address, server.port, "/crash", "text/html")
        remote_api = get(address, server.port, "/crash", "application/json")
    output = server.output()
    assert local.status == 500
    assert b"RuntimeError: the mainsail tore" in local.body
    assert b"Traceback" in local.body
    for reply in (remote, remote_api):
        assert reply.status == 500
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["title"] == "Internal Server Error"
        assert b"mainsail" not in reply.body
        assert "traceback" not in reply.json()
    assert "WARNING: debug mode is on and the server listens on 0.0.0.0" in output
    assert f"Not showing the debug page to {address}" in output


def test_run_listens_on_loopback_by_default(tmp_path: Path) -> None:
    """Without --host, the development server cannot be reached from another interface."""
    address = non_loopback_address()
    with running(tmp_path) as server:
        assert get("127.0.0.1", server.port, "/", "application/json").status == 200
        with pytest.raises(ConnectionRefusedError):
            get(address, server.port, "/", "application/json")
    assert "WARNING" not in server.output()
