"""Tests for TrustedHostMiddleware: host matching, refusals, www redirect and production."""
# No "from __future__ import annotations": handlers here refer to local names.

import logging
from typing import Any

import pytest

from schooner import App, Middleware, Settings
from schooner.config import Secret
from schooner.exceptions import ImproperlyConfigured
from schooner.middleware import TrustedHostMiddleware
from schooner.middleware.trustedhost import parse_host
from schooner.testing import TestClient, WebSocketRejected
from schooner.types import Message, Receive, Scope, Send
from schooner.websockets import WebSocket


def make_app(hosts: list[str], **options: Any) -> App:
    """An app that only answers to ``hosts``."""
    app = App(middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts, **options)])

    @app.get("/")
    async def index() -> dict[str, bool]:
        return {"ok": True}

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text("aboard")
        await socket.close()

    return app


def get(app: App, host: str, path: str = "/") -> Any:
    """GET ``path`` with the Host header ``host``."""
    with TestClient(app) as client:
        return client.get(path, headers={"host": host})


HOSTS = ["example.com", "*.example.org", "127.0.0.1", "::1"]


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "EXAMPLE.com",
        "example.com:8000",
        "example.com.",
        "api.example.org",
        "a.b.example.org:443",
        "127.0.0.1:8000",
        "[::1]",
        "[::1]:8000",
    ],
)
def test_allowed_hosts(host: str) -> None:
    """Exact names, wildcard subdomains and IP literals are allowed, whatever the port."""
    response = get(make_app(HOSTS), host)
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.parametrize(
    "host",
    ["evil.com", "example.org", "example.com.evil.com", "notexample.org", "[::2]", "exa mple.com"],
)
def test_refused_hosts(host: str, caplog: pytest.LogCaptureFixture) -> None:
    """Any other host is a 400 problem response naming it, and a warning in the log."""
    with caplog.at_level(logging.WARNING, logger="schooner.security"):
        response = get(make_app(HOSTS), host)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": f"The host {host!r} is not served here.",
    }
    assert "allowed_hosts" in caplog.text


def test_star_allows_any_host() -> None:
    """ "*" lets every host through."""
    assert get(make_app(["*"]), "whatever.example").status_code == 200


async def call_raw(middleware: TrustedHostMiddleware, headers: list[tuple[bytes, bytes]]) -> Any:
    """Send one GET with exactly ``headers`` and return (status, body)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    await middleware(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


async def inner(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app answering 200."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def test_missing_or_repeated_host() -> None:
    """No Host, or two of them (RFC 9112 §3.2), is a 400 saying so."""
    middleware = TrustedHostMiddleware(inner, ["example.com"])
    status, body = await call_raw(middleware, [])
    assert status == 400
    assert b"has no Host header" in body
    status, body = await call_raw(middleware, [(b"host", b"example.com"), (b"host", b"evil.com")])
    assert status == 400
    assert b"more than one Host header" in body
    assert await call_raw(middleware, [(b"host", b"example.com")]) == (200, b"ok")


def test_www_redirect() -> None:
    """With www_redirect, the bare domain is sent to the www one, path and query kept."""
    app = make_app(["www.example.com"], www_redirect=True)
    with TestClient(app) as client:
        response = client.get("/a%20b?x=1", headers={"host": "example.com:8000"})
        assert response.status_code == 308
        assert response.headers["location"] == "http://www.example.com:8000/a%20b?x=1"
        assert client.get("/", headers={"host": "other.com"}).status_code == 400


def test_websocket_with_unknown_host_is_refused_before_accept() -> None:
    """A websocket handshake for an unknown host never reaches the handler."""
    app = make_app(["example.com"])
    with TestClient(app) as client:
        with (
            pytest.raises(WebSocketRejected) as refused,
            client.websocket_connect("/ws", headers={"host": "evil.com"}),
        ):
            pass
        assert refused.value.status_code == 400
        assert refused.value.json()["detail"] == "The host 'evil.com' is not served here."
        with client.websocket_connect("/ws", headers={"host": "example.com"}) as socket:
            assert socket.receive_text() == "aboard"


async def test_websocket_without_response_extension_is_closed() -> None:
    """Where the server cannot send an HTTP response, the handshake is closed (a 403)."""
    sent: list[Message] = []
    messages = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [(b"host", b"evil.com")]}
    await TrustedHostMiddleware(inner, ["example.com"])(scope, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


@pytest.mark.parametrize(
    "entry", ["https://example.com", "example.com:8000", "example.*", "*example.com", "a/b"]
)
def test_bad_entries_are_refused(entry: str) -> None:
    """An entry that is not a host name or pattern fails at startup with a hint."""
    with pytest.raises(ImproperlyConfigured, match="is not a host name"):
        make_app([entry]).build()


def test_a_string_is_refused() -> None:
    """allowed_hosts="example.com" (a string, not a list) is caught."""
    with pytest.raises(ImproperlyConfigured, match="must be a list"):
        TrustedHostMiddleware(inner, "example.com")


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("example.com", "example.com"),
        ("Example.COM:80", "example.com"),
        ("example.com.", "example.com"),
        ("example.com:", "example.com"),
        ("[2001:DB8::1]:443", "[2001:db8::1]"),
        ("10.0.0.1:8080", "10.0.0.1"),
        ("my_service", "my_service"),
        ("", None),
        ("example.com:http", None),
        ("exa mple.com", None),
        ("example.com/evil", None),
        ("user@example.com", None),
        ("[::1", None),
    ],
)
def test_parse_host(value: str, host: str | None) -> None:
    """Host headers are parsed to a lower-case name without port; bad ones give None."""
    assert parse_host(value) == host


# -- production wiring ---------------------------------------------------------------------

PRODUCTION = Settings(
    environment="production", secret_key=Secret("k" * 48), allowed_hosts=["shop.example.com"]
)


def production_app(**options: Any) -> App:
    """A production app answering to shop.example.com."""
    app = App(settings=PRODUCTION, **options)

    @app.get("/")
    async def index() -> dict[str, bool]:
        return {"ok": True}

    return app


def test_production_app_checks_hosts_by_itself() -> None:
    """In production the app refuses unknown hosts without being told to."""
    app = production_app()
    with TestClient(app, base_url="http://shop.example.com") as client:
        assert client.get("/").json() == {"ok": True}
        refused = client.get("/", headers={"host": "evil.com"})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert app.middleware_chain("/")[:2] == ["ServerErrorMiddleware", "TrustedHostMiddleware"]


def test_production_keeps_the_users_trusted_host_layer() -> None:
    """A TrustedHostMiddleware the user added is not doubled, and its options win."""
    mine = Middleware(TrustedHostMiddleware, allowed_hosts=["*.example.com"])
    app = production_app(middleware=[mine])
    assert app.middleware_chain("/").count("TrustedHostMiddleware") == 1
    with TestClient(app, base_url="http://api.example.com") as client:
        assert client.get("/").status_code == 200


def test_development_does_not_check_hosts() -> None:
    """Outside production nothing is added: the test client's 'testserver' is answered."""
    app = App()
    assert "TrustedHostMiddleware" not in app.middleware_chain("/")
