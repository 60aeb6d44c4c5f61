"""Tests for RequestIDMiddleware and the injectable request id."""
# No "from __future__ import annotations": handlers here refer to local names.

import logging
import re
from typing import Annotated

import pytest

from schooner import App, Inject, Middleware, Response
from schooner.middleware import RequestId, RequestIDMiddleware, request_id
from schooner.testing import AsyncTestClient, TestClient
from schooner.websockets import WebSocket

HEX32 = re.compile(r"^[0-9a-f]{32}$")


async def tag(rid: RequestId) -> str:
    """A dependency that also asks for the id."""
    return f"tag-{rid}"


def make_app(*middleware: object) -> App:
    """An app whose handlers report the request id they were given."""
    app = App(middleware=list(middleware))

    @app.get("/")
    async def index(
        rid: RequestId,
        same: Annotated[str, Inject(request_id)],
        tagged: Annotated[str, Inject(tag)],
    ) -> dict[str, str]:
        return {"rid": rid, "same": same, "tagged": tagged}

    @app.get("/own")
    async def own() -> Response:
        return Response(b"", headers={"x-request-id": "chosen-by-handler"})

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    @app.websocket("/ws")
    async def ws(socket: WebSocket, rid: RequestId) -> None:
        await socket.accept()
        await socket.send_text(rid)
        await socket.close()

    return app


def test_new_id_is_made_and_echoed() -> None:
    """Without an incoming id, one is made, given to the handler and returned in the header."""
    with TestClient(make_app(RequestIDMiddleware)) as client:
        first = client.get("/")
        second = client.get("/")
    body = first.json()
    assert HEX32.match(body["rid"])
    assert body == {"rid": body["rid"], "same": body["rid"], "tagged": f"tag-{body['rid']}"}
    assert first.headers["x-request-id"] == body["rid"]
    assert second.headers["x-request-id"] != body["rid"]


@pytest.mark.parametrize("incoming", ["req-42", "a.b:c_d-e", "x" * 128])
def test_sane_incoming_id_is_kept(incoming: str) -> None:
    """A well-formed X-Request-ID from the client or proxy is used as is."""
    with TestClient(make_app(RequestIDMiddleware)) as client:
        response = client.get("/", headers={"x-request-id": incoming})
    assert response.json()["rid"] == incoming
    assert response.headers["x-request-id"] == incoming


@pytest.mark.parametrize(
    "incoming", [b"x" * 129, b"<script>", b"a b", b"line\tbreak", "é".encode("latin-1"), b""]
)
def test_insane_incoming_id_is_replaced(incoming: bytes) -> None:
    """Too long, empty, or with characters outside the safe set: a new id is made."""
    with TestClient(make_app(RequestIDMiddleware)) as client:
        response = client.get("/", headers={"x-request-id": incoming})
    assert HEX32.match(response.json()["rid"])
    assert response.headers["x-request-id"] == response.json()["rid"]


def test_incoming_id_can_be_ignored() -> None:
    """trust_incoming=False always makes a new id."""
    app = make_app(Middleware(RequestIDMiddleware, trust_incoming=False))
    with TestClient(app) as client:
        response = client.get("/", headers={"x-request-id": "client-chosen"})
    assert HEX32.match(response.json()["rid"])
    assert response.headers["x-request-id"] != "client-chosen"


def test_handler_header_is_not_doubled() -> None:
    """An X-Request-ID the handler set itself is left as the only one."""
    with TestClient(make_app(RequestIDMiddleware)) as client:
        response = client.get("/own")
    assert response.headers.get_list("x-request-id") == ["chosen-by-handler"]


def test_error_log_and_response_use_the_same_id(caplog: pytest.LogCaptureFixture) -> None:
    """The 500 problem, its header and the error log carry the id the middleware chose."""
    app = make_app(Middleware(RequestIDMiddleware, trust_incoming=False))
    with (
        caplog.at_level(logging.ERROR, logger="schooner.error"),
        TestClient(app, raise_server_exceptions=False) as client,
    ):
        response = client.get("/crash", headers={"x-request-id": "client-chosen"})
    rid = response.json()["request_id"]
    assert HEX32.match(rid)
    assert response.headers["x-request-id"] == rid
    assert f"(request id {rid})" in caplog.text


async def test_websocket_gets_the_id() -> None:
    """The websocket accept carries X-Request-ID and the handler can inject the id."""
    async with (
        AsyncTestClient(make_app(RequestIDMiddleware)) as client,
        client.websocket_connect("/ws", headers={"x-request-id": "ws-1"}) as socket,
    ):
        assert await socket.receive_text() == "ws-1"
        assert (b"x-request-id", b"ws-1") in socket.accepted_headers


def test_injection_works_without_the_middleware() -> None:
    """Without the middleware, the handler still gets an id; no header is added."""
    with TestClient(make_app()) as client:
        response = client.get("/", headers={"x-request-id": "upstream-7"})
        fresh = client.get("/")
    assert response.json()["rid"] == "upstream-7"
    assert HEX32.match(fresh.json()["rid"])
    assert "x-request-id" not in fresh.headers
