"""WebSocket routes: handshake, typed messages, close codes, disconnects, DI."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
import pytest

from schooner import App, Header, HTTPException, Inject, Request, Router
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient, TestClient, WebSocketRejected
from schooner.types import Message, Scope
from schooner.websockets import (
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketState,
)


class Chat(msgspec.Struct):
    """A typed chat message."""

    text: str
    n: int


def make_app(events: list[str] | None = None) -> App:
    """An app with echo, typed, guarded and misbehaving websocket routes."""
    log = events if events is not None else []
    app = App()

    async def session() -> AsyncIterator[str]:
        log.append("open")
        yield "session-1"
        log.append("close")

    async def user(token: Annotated[str, Header(alias="x-token")] = "") -> str:
        if token != "secret":
            raise HTTPException(403, "Bad token.")
        return "ada"

    @app.websocket("/echo/{room}")
    async def echo(ws: WebSocket, room: str, sid: Annotated[str, Inject(session)]) -> None:
        await ws.accept()
        async for text in ws.iter_text():
            await ws.send_text(f"{room}/{sid}: {text}")

    @app.websocket("/typed")
    async def typed(ws: WebSocket) -> None:
        await ws.accept()
        async for chat in ws.iter_json(Chat):
            await ws.send_json({"text": chat.text.upper(), "n": chat.n + 1})

    @app.websocket("/untyped")
    async def untyped(ws: WebSocket) -> None:
        await ws.accept()
        async for value in ws.iter_json():
            await ws.send_json({"got": type(value).__name__})

    @app.websocket("/guarded")
    async def guarded(ws: WebSocket, who: Annotated[str, Inject(user)]) -> None:
        await ws.accept()
        await ws.send_text(f"hello {who}")
        await ws.close(4000, "bye")

    @app.websocket("/proto")
    async def proto(ws: WebSocket) -> None:
        await ws.accept("v2" if "v2" in ws.subprotocols else None, headers=[("x-hello", "1")])
        await ws.send_bytes(await ws.receive_bytes())
        raise WebSocketClose(4001, "done")

    @app.websocket("/limit")
    async def limit(ws: WebSocket, n: int) -> None:
        await ws.accept()
        await ws.send_json({"n": n})

    @app.websocket("/crash")
    async def crash(ws: WebSocket) -> None:
        await ws.accept()
        raise ZeroDivisionError("boom")

    @app.websocket("/crash-early")
    async def crash_early(ws: WebSocket) -> None:
        raise ZeroDivisionError("boom")

    @app.websocket("/forget")
    async def forget(ws: WebSocket) -> None:
        return None

    @app.websocket("/policy")
    async def policy(ws: WebSocket) -> None:
        await ws.accept()
        await ws.receive_text()
        raise HTTPException(403, "Not allowed any more.")

    @app.get("/echo/{room}")
    async def page(room: str) -> str:
        return f"page {room}"

    return app


def test_echo_with_path_params_and_dependencies() -> None:
    """Messages round-trip; path params and a generator dependency work; cleanup runs."""
    events: list[str] = []
    with TestClient(make_app(events)) as client, client.websocket_connect("/echo/lobby") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "lobby/session-1: hi"
        ws.send_text("again")
        assert ws.receive_text() == "lobby/session-1: again"
    assert events == ["open", "close"]


def test_typed_json_messages() -> None:
    """receive_json(type) validates each message like a request body."""
    with TestClient(make_app()) as client, client.websocket_connect("/typed") as ws:
        ws.send_json({"text": "ahoy", "n": 1})
        assert ws.receive_json() == {"text": "AHOY", "n": 2}
        ws.send_json({"text": 5, "n": 1})
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
    assert info.value.code == 1007
    assert info.value.reason == "message.text: Expected `str`, got `int`"


def test_malformed_json_message_closes_1007() -> None:
    """A message that is not JSON closes with 1007 (invalid payload)."""
    with TestClient(make_app()) as client, client.websocket_connect("/typed") as ws:
        ws.send_text("{nope")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive()
    assert info.value.code == 1007
    assert info.value.reason.startswith("Malformed JSON message")


DEEP = "[" * 1000 + "]" * 1000
HOSTILE = {
    "float out of range": '{"text":"a","n":1e400}',
    "100,000-digit integer": '{"text":"a","n":' + "9" * 100_000 + "}",
    "1000-deep array": DEEP,
    "1000-deep field": '{"text":"a","n":' + DEEP + "}",
}


@pytest.mark.parametrize("path", ["/typed", "/untyped"])
@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_json_message_closes_1007(path: str, payload: str) -> None:
    """Numbers out of range and deep nesting close with 1007 (invalid payload), not 1011."""
    with TestClient(make_app()) as client, client.websocket_connect(path) as ws:
        ws.send_text(payload)
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive()
    assert info.value.code == 1007


def test_rejected_handshake_is_403_with_problem() -> None:
    """A dependency raising HTTPException before accept rejects the handshake."""
    with TestClient(make_app()) as client:
        with pytest.raises(WebSocketRejected) as info, client.websocket_connect("/guarded"):
            pass
        assert info.value.status_code == 403
        assert info.value.headers["content-type"] == "application/problem+json"
        assert info.value.json()["detail"] == "Bad token."
        with client.websocket_connect("/guarded", headers={"x-token": "secret"}) as ws:
            assert ws.receive_text() == "hello ada"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_text()
            assert (closed.value.code, closed.value.reason) == (4000, "bye")


def test_invalid_parameters_reject_with_422() -> None:
    """A query parameter failing validation rejects the handshake with its problem."""
    with TestClient(make_app()) as client:
        with pytest.raises(WebSocketRejected) as info, client.websocket_connect("/limit?n=x"):
            pass
        assert info.value.status_code == 422
        assert info.value.json()["errors"][0]["loc"] == ["query", "n"]
        with client.websocket_connect("/limit?n=3") as ws:
            assert ws.receive_json() == {"n": 3}


def test_subprotocol_headers_bytes_and_close_exception() -> None:
    """accept() picks an offered subprotocol; WebSocketClose closes with its code."""
    with TestClient(make_app()) as client:
        with client.websocket_connect("/proto", subprotocols=["v1", "v2"]) as ws:
            assert ws.accepted_subprotocol == "v2"
            ws.send_bytes(b"\x00\x01")
            assert ws.receive_bytes() == b"\x00\x01"
            with pytest.raises(WebSocketDisconnect) as info:
                ws.receive()
            assert info.value.code == 4001
        with client.websocket_connect("/proto") as ws:
            assert ws.accepted_subprotocol is None
            ws.send_text("text, not bytes")
            with pytest.raises(WebSocketDisconnect) as info:
                ws.receive()
            assert info.value.code == 1003


def test_error_after_accept_closes_1011_and_raises() -> None:
    """An unhandled error closes with 1011 and reaches the test (and the server log)."""
    with TestClient(make_app()) as client:
        ws = client.websocket_connect("/crash")
        with pytest.raises(ZeroDivisionError), ws:  # noqa: PT012 - the error surfaces on exit
            with pytest.raises(WebSocketDisconnect) as info:
                ws.receive()
            assert info.value.code == 1011


def test_error_before_accept_rejects_with_500() -> None:
    """An error before accept rejects the handshake with 500, then surfaces."""
    with TestClient(make_app()) as client, pytest.raises(ZeroDivisionError):
        client.websocket_connect("/crash-early").__enter__()


def test_handler_returning_without_accept_is_403() -> None:
    """A handler that neither accepts nor closes is treated as a refusal."""
    with TestClient(make_app()) as client:
        with pytest.raises(WebSocketRejected) as info, client.websocket_connect("/forget"):
            pass
        assert info.value.status_code == 403


def test_http_exception_after_accept_closes_1008() -> None:
    """An HTTPException after accept closes with 1008 (policy violation) and its detail."""
    with TestClient(make_app()) as client, client.websocket_connect("/policy") as ws:
        ws.send_text("x")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive()
    assert (info.value.code, info.value.reason) == (1008, "Not allowed any more.")


def test_unknown_path_is_404_and_http_on_ws_only_path_is_426() -> None:
    """No websocket route: 404 at the handshake. Plain HTTP to a websocket path: 426."""
    app = make_app()
    with TestClient(app) as client:
        with pytest.raises(WebSocketRejected) as info, client.websocket_connect("/nowhere"):
            pass
        assert info.value.status_code == 404
        response = client.get("/typed")
        assert response.status_code == 426
        assert response.headers["upgrade"] == "websocket"
        assert client.get("/echo/x").text == "page x"  # HTTP and websocket share a path


def test_bad_percent_encoding_rejects_400() -> None:
    """An undecodable path refuses the handshake with 400."""
    with TestClient(make_app()) as client:
        with pytest.raises(WebSocketRejected) as info, client.websocket_connect("/echo/%zz"):
            pass
        assert info.value.status_code == 400


def test_client_disconnect_ends_iteration() -> None:
    """Closing from the client ends iter_text, and the handler's cleanup runs."""
    events: list[str] = []
    with TestClient(make_app(events)) as client:
        ws = client.websocket_connect("/echo/a")
        with ws:
            ws.send_text("1")
            ws.receive_text()
            ws.close(1001)
    assert events == ["open", "close"]


async def test_async_client_websocket() -> None:
    """The async client opens websockets too."""
    async with AsyncTestClient(make_app()) as client, client.websocket_connect("/typed") as ws:
        await ws.send_json({"text": "a", "n": 0})
        assert await ws.receive_json() == {"text": "A", "n": 1}
        await ws.send_bytes(b'{"text": "b", "n": 1}')
        assert await ws.receive_json() == {"text": "B", "n": 2}


def test_router_websocket_and_url_for() -> None:
    """Routers declare websockets under their prefix; names work with url_for."""
    router = Router(prefix="/api")

    @router.websocket("/live/{id:int}", name="live")
    async def live(ws: WebSocket, id: int) -> None:
        await ws.accept()
        await ws.send_json({"id": id})
        await ws.close()

    app = App()
    app.include(router)
    with TestClient(app) as client, client.websocket_connect("/api/live/7") as ws:
        assert ws.receive_json() == {"id": 7}
    assert app.url_path_for("live", id=7) == "/api/live/7"


@pytest.mark.parametrize(
    ("handler_source", "message"),
    [
        ("sync", "must be an 'async def'"),
        ("body", "reads a request body"),
        ("http_wants_ws", "declare it with @app.websocket"),
    ],
)
def test_startup_errors(handler_source: str, message: str) -> None:
    """Sync websocket handlers, bodies on websockets, WebSocket on HTTP routes: refused."""
    app = App()
    if handler_source == "sync":

        @app.websocket("/s")
        def sync_handler(ws: WebSocket) -> None:
            return None

    elif handler_source == "body":

        @app.websocket("/b")
        async def body_handler(ws: WebSocket, chat: Chat) -> None:
            return None

    else:

        @app.get("/h")
        async def http_handler(ws: WebSocket) -> None:
            return None

    with pytest.raises(ImproperlyConfigured, match=message):
        app.build()


def test_request_dependency_works_on_websocket_routes() -> None:
    """A dependency reading the Request (headers, cookies) serves websockets too."""
    app = App()

    def who(request: Request) -> str:
        return request.headers.get("x-user", "anon")

    @app.websocket("/who")
    async def whoami(ws: WebSocket, user: Annotated[str, Inject(who)]) -> None:
        await ws.accept()
        await ws.send_text(user)

    with (
        TestClient(app) as client,
        client.websocket_connect("/who", headers={"x-user": "bo"}) as ws,
    ):
        assert ws.receive_text() == "bo"


# -- the WebSocket class against raw ASGI messages ---------------------------------------------


def ws_scope(**extra: Any) -> Scope:
    """A minimal websocket scope."""
    return {"type": "websocket", "path": "/", "headers": [(b"x-a", b"1")], **extra}


async def test_websocket_class_state_and_errors() -> None:
    """State moves CONNECTING → CONNECTED → DISCONNECTED; misuse is a clear error."""
    inbox: list[Message] = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "x"},
        {"type": "websocket.disconnect", "code": 1001, "reason": "gone"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    ws = WebSocket(ws_scope(client=("1.2.3.4", 5), subprotocols=["a"]), receive, send)
    assert ws.headers["x-a"] == "1"
    assert ws.client == ("1.2.3.4", 5)
    assert "CONNECTING" not in repr(ws)
    with pytest.raises(RuntimeError, match="Accept the WebSocket"):
        await ws.receive()
    with pytest.raises(ValueError, match="was not offered"):
        await ws.accept("b")
    await ws.accept("a")
    assert ws.state is WebSocketState.CONNECTED
    with pytest.raises(RuntimeError, match="Cannot accept"):
        await ws.accept()
    assert await ws.receive_text() == "x"
    with pytest.raises(WebSocketDisconnect) as info:
        await ws.receive()
    assert (info.value.code, info.value.reason) == (1001, "gone")
    with pytest.raises(WebSocketDisconnect):
        await ws.send_text("late")
    await ws.close()  # already closed: nothing sent
    assert sent == [{"type": "websocket.accept", "subprotocol": "a", "headers": []}]
    with pytest.raises(ValueError, match="'websocket' scope"):
        WebSocket({"type": "http"}, receive, send)


async def test_websocket_send_error_becomes_disconnect() -> None:
    """A server-side OSError on send (client gone) is a WebSocketDisconnect 1006."""
    inbox: list[Message] = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        if message["type"] == "websocket.send":
            raise OSError("connection reset")

    ws = WebSocket(ws_scope(), receive, send)
    await ws.accept()
    with pytest.raises(WebSocketDisconnect) as info:
        await ws.send_json({"a": 1}, binary=True)
    assert info.value.code == 1006
    assert ws.state is WebSocketState.DISCONNECTED


async def test_reject_without_extension_closes_and_disconnect_during_accept() -> None:
    """Without the http.response extension a rejection is a close (403 by the server)."""
    sent: list[Message] = []
    inbox: list[Message] = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    ws = WebSocket(ws_scope(), receive, send)
    await ws.reject(401)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]
    with pytest.raises(RuntimeError, match="Cannot reject"):
        await ws.reject()

    gone = WebSocket(ws_scope(), _disconnecting, send)
    with pytest.raises(WebSocketDisconnect):
        await gone.accept()


async def _disconnecting() -> Message:
    return {"type": "websocket.disconnect", "code": 1006}
