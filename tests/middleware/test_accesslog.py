"""Tests for AccessLogMiddleware, and for several built-in layers in declaration order."""
# No "from __future__ import annotations": handlers here refer to local names.

import logging
from typing import Any

import pytest

from schooner import App, Middleware, Response
from schooner.middleware import (
    AccessLogMiddleware,
    CORSMiddleware,
    GZipMiddleware,
    RequestIDMiddleware,
    TrustedHostMiddleware,
)
from schooner.testing import AsyncTestClient, TestClient
from schooner.websockets import WebSocket

FIELDS = {"client", "method", "path", "http_version", "status", "bytes", "duration_ms"}


def make_app(*middleware: Any) -> App:
    """An app with a few routes behind ``middleware``."""
    app = App(middleware=list(middleware))

    @app.get("/items")
    async def items() -> Response:
        return Response(b"0123456789")

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text("héllo")
        await socket.send_bytes(b"\x00\x01")
        await socket.close()

    return app


def access_records(caplog: pytest.LogCaptureFixture, name: str = "schooner.access") -> list[Any]:
    """The records logged to ``name``."""
    return [r for r in caplog.records if r.name == name]


def test_one_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    """Each request is logged once at INFO with client, request line, status, size and id."""
    app = make_app(AccessLogMiddleware, RequestIDMiddleware)
    with (
        caplog.at_level(logging.INFO, logger="schooner.access"),
        TestClient(app, client=("203.0.113.9", 4711)) as client,
    ):
        response = client.get("/items?page=2", headers={"x-request-id": "req-1"})
    [record] = access_records(caplog)
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert message.startswith('203.0.113.9:4711 - "GET /items?page=2 HTTP/1.1" 200 10B ')
    assert message.endswith("ms id=req-1")
    assert response.headers["x-request-id"] == "req-1"
    assert record.status == 200
    assert record.bytes == 10
    assert record.path == "/items?page=2"
    assert record.request_id == "req-1"
    assert record.duration_ms >= 0
    assert set(vars(record)) >= FIELDS


def test_exception_is_logged_as_500_and_reraised(caplog: pytest.LogCaptureFixture) -> None:
    """When the app raises, the line says 500 and the error still reaches the error layer."""
    with (
        caplog.at_level(logging.INFO, logger="schooner.access"),
        TestClient(make_app(AccessLogMiddleware)) as client,
        pytest.raises(RuntimeError, match="boom"),
    ):
        client.get("/crash", headers={"x-request-id": "req-500"})
    [record] = access_records(caplog)
    assert record.status == 500
    assert record.request_id == "req-500"


def test_error_response_shares_the_logged_id(caplog: pytest.LogCaptureFixture) -> None:
    """Without RequestIDMiddleware, the access line and the 500 problem use one id."""
    with (
        caplog.at_level(logging.INFO),
        TestClient(make_app(AccessLogMiddleware), raise_server_exceptions=False) as client,
    ):
        response = client.get("/crash")
    [record] = access_records(caplog)
    assert response.json()["request_id"] == record.request_id
    assert f"(request id {record.request_id})" in caplog.text


def test_raw_path_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The path is logged as sent, so an encoded newline cannot forge a log line."""
    with (
        caplog.at_level(logging.INFO, logger="schooner.access"),
        TestClient(make_app(AccessLogMiddleware)) as client,
    ):
        client.get("/items%0D%0AGET%20/admin")
    [record] = access_records(caplog)
    assert record.path == "/items%0D%0AGET%20/admin"
    assert "\n" not in record.getMessage()


def test_custom_logger_format_and_level(caplog: pytest.LogCaptureFixture) -> None:
    """Logger name, format and level are options."""
    layer = Middleware(
        AccessLogMiddleware,
        logger="shop.http",
        format="%(method)s %(path)s -> %(status)d",
        level=logging.WARNING,
    )
    with caplog.at_level(logging.INFO), TestClient(make_app(layer)) as client:
        client.get("/items")
    [record] = access_records(caplog, "shop.http")
    assert record.getMessage() == "GET /items -> 200"
    assert record.levelno == logging.WARNING


def test_nothing_is_logged_when_the_logger_is_off(caplog: pytest.LogCaptureFixture) -> None:
    """A disabled logger costs nothing and logs nothing; the request is served."""
    with (
        caplog.at_level(logging.WARNING, logger="schooner.access"),
        TestClient(make_app(AccessLogMiddleware)) as client,
    ):
        assert client.get("/items").status_code == 200
    assert access_records(caplog) == []


async def test_websocket_is_logged_when_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    """A websocket is one line: 101 and the bytes the app sent."""
    with caplog.at_level(logging.INFO, logger="schooner.access"):
        async with (
            AsyncTestClient(make_app(AccessLogMiddleware)) as client,
            client.websocket_connect("/ws") as socket,
        ):
            assert await socket.receive_text() == "héllo"
            assert await socket.receive_bytes() == b"\x00\x01"
    [record] = access_records(caplog)
    assert record.method == "WEBSOCKET"
    assert record.status == 101
    assert record.bytes == len("héllo".encode()) + 2


# -- several built-in layers, in declaration order ------------------------------------------


def stacked_app() -> App:
    """Access log outermost, then hosts, CORS, gzip and request ids, as declared."""
    return make_app(
        AccessLogMiddleware,
        Middleware(TrustedHostMiddleware, allowed_hosts=["testserver"]),
        Middleware(CORSMiddleware, allow_origins=["https://app.example.com"]),
        Middleware(GZipMiddleware, minimum_size=5),
        RequestIDMiddleware,
    )


def test_chain_follows_declaration_order() -> None:
    """`schooner middleware` shows the built-in layers in the order they were declared."""
    chain = stacked_app().middleware_chain("/items")
    assert chain[-1].endswith("make_app.<locals>.items")
    assert chain[:-1] == [
        "ServerErrorMiddleware",
        "AccessLogMiddleware",
        "TrustedHostMiddleware",
        "CORSMiddleware",
        "GZipMiddleware",
        "RequestIDMiddleware",
        "ExceptionMiddleware",
        "Router",
    ]


async def test_layers_compose(caplog: pytest.LogCaptureFixture) -> None:
    """Each layer does its part, and outer layers see what inner ones produced."""
    with caplog.at_level(logging.INFO, logger="schooner.access"):
        async with AsyncTestClient(stacked_app()) as client:
            ok = await client.get(
                "/items",
                headers={"origin": "https://app.example.com", "accept-encoding": "gzip"},
            )
            refused = await client.get("/items", headers={"host": "evil.com"})
    # CORS (outside gzip) marks the compressed response; Vary lists both reasons.
    assert ok.content == b"0123456789"
    assert ok.headers["content-encoding"] == "gzip"
    assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
    assert ok.headers["vary"] == "Accept-Encoding, Origin"
    rid = ok.headers["x-request-id"]
    # The host check (inside the access log) refused the second request, which is logged.
    assert refused.status_code == 400
    assert "x-request-id" not in refused.headers
    first, second = access_records(caplog)
    assert (first.status, first.request_id) == (200, rid)
    assert first.bytes == int(ok.headers["content-length"])
    assert second.status == 400
