"""Tests for HTTPSRedirectMiddleware: http → https and ws → wss, 308, URL kept."""
# No "from __future__ import annotations": handlers here refer to local names.

from typing import Any

import pytest

from schooner import App, Request
from schooner.middleware import HTTPSRedirectMiddleware
from schooner.middleware.httpsredirect import https_url
from schooner.testing import TestClient, WebSocketRejected
from schooner.types import Message, Receive, Scope, Send
from schooner.websockets import WebSocket


def make_app() -> App:
    """An app behind HTTPS redirection."""
    app = App(middleware=[HTTPSRedirectMiddleware])

    @app.route("/orders", methods=["GET", "POST"])
    async def orders(request: Request) -> dict[str, str]:
        return {"scheme": request.url.scheme}

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text(socket.scope["scheme"])
        await socket.close()

    return app


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_http_is_redirected_with_308(method: str) -> None:
    """Plain HTTP is sent to HTTPS with 308, so a POST stays a POST."""
    with TestClient(make_app()) as client:
        response = client.request(method, "/orders?page=2&q=a%20b")
    assert response.status_code == 308
    assert response.headers["location"] == "https://testserver/orders?page=2&q=a%20b"


def test_https_passes_through() -> None:
    """A request that already came over HTTPS reaches the handler."""
    with TestClient(make_app(), base_url="https://testserver") as client:
        assert client.get("/orders").json() == {"scheme": "https"}


def test_redirect_is_followed_to_the_handler() -> None:
    """Following the redirect ends at the handler over HTTPS."""
    with TestClient(make_app(), follow_redirects=True) as client:
        response = client.post("/orders")
    assert response.json() == {"scheme": "https"}
    assert response.history[0].status_code == 308


def test_websocket_handshake_is_redirected_to_wss() -> None:
    """A ws:// handshake is answered with a 308 to wss://; a wss:// one is accepted."""
    with TestClient(make_app()) as client:
        with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/ws?x=1"):
            pass
        assert refused.value.status_code == 308
        assert refused.value.headers["location"] == "wss://testserver/ws?x=1"
    with (
        TestClient(make_app(), base_url="https://testserver") as client,
        client.websocket_connect("/ws") as socket,
    ):
        assert socket.receive_text() == "wss"


async def test_websocket_without_response_extension_is_closed() -> None:
    """Where the server cannot send a redirect for a websocket, the handshake is refused."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    async def never(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app must not be reached")

    scope = {"type": "websocket", "scheme": "ws", "path": "/", "headers": []}
    await HTTPSRedirectMiddleware(never)(scope, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


@pytest.mark.parametrize(
    ("scope", "url"),
    [
        ({"scheme": "http", "headers": [(b"host", b"example.com")]}, "https://example.com/p"),
        ({"scheme": "http", "headers": [(b"host", b"example.com:80")]}, "https://example.com/p"),
        (
            {"scheme": "http", "headers": [(b"host", b"example.com:8080")]},
            "https://example.com:8080/p",
        ),
        ({"scheme": "http", "headers": [(b"host", b"[::1]:80")]}, "https://[::1]/p"),
        ({"scheme": "ws", "headers": [(b"host", b"example.com")]}, "wss://example.com/p"),
        ({"scheme": "http", "headers": [], "server": ("10.0.0.1", 80)}, "https://10.0.0.1/p"),
        ({"scheme": "http", "headers": [], "server": ("::1", 80)}, "https://[::1]/p"),
        (
            {"scheme": "http", "headers": [(b"host", b"a.io")], "query_string": b"x=%2F"},
            "https://a.io/p?x=%2F",
        ),
        (
            {"scheme": "http", "headers": [(b"host", b"a.io")], "raw_path": b"/caf%C3%A9"},
            "https://a.io/caf%C3%A9",
        ),
    ],
)
def test_https_url(scope: dict[str, Any], url: str) -> None:
    """The target keeps host, path and query, and drops the default port 80."""
    assert https_url({"path": "/p", **scope}) == url


def test_lifespan_passes_through() -> None:
    """Startup still works with the middleware installed (lifespan is not redirected)."""
    app = make_app()
    started: list[bool] = []
    app.on_startup(lambda: started.append(True))
    with TestClient(app):
        assert started == [True]
