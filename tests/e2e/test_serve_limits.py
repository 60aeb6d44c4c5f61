"""End-to-end: ``schooner serve`` bounds request heads and slow clients, over raw sockets.

Each server here runs with 1-second timeouts (set through the environment, as a deployment
would) so that every test finishes in a few seconds.
"""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_serve import (
    HELLO,
    ROOT,
    Server,
    free_port,
    server_env,
    serving,
    stop,
    wait_until_serving,
)

pytestmark = pytest.mark.e2e

TIMEOUT = 1.0
LIMITS = {
    "SCHOONER_ENVIRONMENT": "development",
    "SCHOONER_SERVE_HEADER_TIMEOUT": str(TIMEOUT),
    "SCHOONER_BODY_TIMEOUT": str(TIMEOUT),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """examples/hello under ``schooner serve`` with 1-second head and body timeouts."""
    log = tmp_path_factory.mktemp("limits") / "server.log"
    with serving(log, server_env(**LIMITS)) as running:
        yield running


def connect(server: Server) -> socket.socket:
    """A raw TCP connection to the server, with a generous client-side timeout."""
    return socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT + 5)


def answered(sock: socket.socket, wait: float) -> bool:
    """Whether the server sent something (or closed) within ``wait`` seconds."""
    readable, _, _ = select.select([sock], [], [], wait)
    return bool(readable)


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def read_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) from a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def status_of(response: bytes) -> int:
    """The status code of a raw HTTP/1.1 response."""
    return int(response.split(b" ", 2)[1])


def problem_of(response: bytes) -> dict[str, object]:
    """The problem document in the body of a raw response."""
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower()
    document: dict[str, object] = json.loads(body)
    return document


def test_half_sent_heads_are_answered_408_and_closed(server: Server) -> None:
    """Ten connections that never finish their headers are all closed after the timeout."""
    sockets = [connect(server) for _ in range(10)]
    started = time.monotonic()
    try:
        for sock in sockets:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        replies = [read_until_closed(sock) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    elapsed = time.monotonic() - started
    assert TIMEOUT * 0.8 <= elapsed < TIMEOUT + 3, elapsed
    for reply in replies:
        assert status_of(reply) == 408, reply[:200]
        assert problem_of(reply)["status"] == 408


def test_a_head_sent_a_byte_at_a_time_is_cut_off(server: Server) -> None:
    """Bytes that keep coming do not reset the clock: the whole head has one deadline."""
    head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"x" * 100
    with connect(server) as sock:
        started = time.monotonic()
        for index in range(len(head)):
            sock.sendall(head[index : index + 1])
            if answered(sock, 0.05):
                break
        else:
            pytest.fail("the server was still reading the head after all of it was sent")
        reply = read_until_closed(sock)
    assert time.monotonic() - started < TIMEOUT + 3
    assert status_of(reply) == 408


def test_a_silent_connection_is_closed(server: Server) -> None:
    """A client that connects and sends nothing is disconnected, without a response."""
    with connect(server) as sock:
        started = time.monotonic()
        assert read_until_closed(sock) == b""
    assert time.monotonic() - started < TIMEOUT + 3


def test_a_100_kib_header_line_is_431(server: Server) -> None:
    """One header field of 100 KiB is refused with 431 Request Header Fields Too Large."""
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 100 * 1024)
        sock.sendall(b"\r\n\r\n")
        reply = read_until_closed(sock)
    assert status_of(reply) == 431, reply[:200]
    assert "32768 bytes" in str(problem_of(reply)["detail"])


def test_ten_thousand_headers_are_431(server: Server) -> None:
    """10,000 small header fields are refused with 431: the default allows 100."""
    fields = b"".join(b"X-H%d: 1\r\n" % index for index in range(10_000))
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n" + fields + b"\r\n")
        reply = read_until_closed(sock)
    assert status_of(reply) == 431, reply[:200]
    assert "100 header fields" in str(problem_of(reply)["detail"])


def test_a_very_long_target_is_414(server: Server) -> None:
    """A request target over the head size limit is refused with 414 URI Too Long."""
    with connect(server) as sock:
        sock.sendall(b"GET /" + b"a" * 40_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        reply = read_until_closed(sock)
    assert status_of(reply) == 414, reply[:200]


def test_keep_alive_requests_still_work(server: Server) -> None:
    """Normal requests on one keep-alive connection pass, with a pause between them."""
    request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    with connect(server) as sock:
        for _ in range(2):
            sock.sendall(request)
            reply = read_response(sock)
            assert status_of(reply) == 200, reply[:200]
            assert b"Hello from Schooner" in reply
            time.sleep(TIMEOUT / 2)


def test_a_second_request_that_stalls_is_408(server: Server) -> None:
    """On a keep-alive connection, the next request's head has the same deadline."""
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert status_of(read_response(sock)) == 200
        sock.sendall(b"GET / HTTP/1.1\r\nHost: local")
        reply = read_until_closed(sock)
    assert status_of(reply) == 408, reply[:200]


def test_a_stalled_body_is_408(server: Server) -> None:
    """Headers sent in full, then 10 of 100 body bytes and nothing: 408 after body_timeout."""
    head = (
        b"POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n"
    )
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(head + b'{"name": "')
        reply = read_until_closed(sock)
    elapsed = time.monotonic() - started
    assert status_of(reply) == 408, reply[:300]
    assert problem_of(reply)["detail"] == "The request body did not arrive within 1 seconds."
    assert b"connection: close" in reply.lower()
    assert TIMEOUT * 0.8 <= elapsed < TIMEOUT + 3, elapsed


def test_a_dribbled_body_is_408(server: Server) -> None:
    """A body sent a byte every 0.1 s cannot keep the request alive past body_timeout."""
    body = b'{"name": "dribble", "price": 1}' + b" " * 69
    head = (
        b"POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    with connect(server) as sock:
        sock.sendall(head)
        started = time.monotonic()
        for index in range(len(body)):
            sock.sendall(body[index : index + 1])
            if answered(sock, 0.1):
                break
        reply = read_until_closed(sock)
    assert time.monotonic() - started < TIMEOUT + 3
    assert status_of(reply) == 408, reply[:300]


def test_limits_apply_in_every_worker(tmp_path: Path) -> None:
    """With --workers 2 the limits reach the worker processes (their configuration is pickled)."""
    port = free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "schooner.cli", "serve", HELLO, "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--workers", "2", "--header-timeout", str(TIMEOUT)],
            cwd=ROOT,
            env=server_env(SCHOONER_ENVIRONMENT="development"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Server(proc, port, log)
    try:
        wait_until_serving(running)
        sockets = [connect(running) for _ in range(4)]
        for sock in sockets:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        replies = [read_until_closed(sock) for sock in sockets]
        for sock in sockets:
            sock.close()
    finally:
        stop(proc)
    assert [status_of(reply) for reply in replies] == [408] * 4, running.output()
