"""Tests for CORSMiddleware: preflights, actual requests, Vary and unsafe configurations."""
# No "from __future__ import annotations": handlers here refer to local names.

from typing import Any

import pytest

from schooner import App, Middleware, PlainTextResponse
from schooner.exceptions import ImproperlyConfigured
from schooner.middleware import CORSMiddleware
from schooner.middleware.cors import merge_vary
from schooner.testing import TestClient
from schooner.websockets import WebSocket

SITE = "https://app.example.com"


def make_app(**options: Any) -> App:
    """An app with CORS configured by ``options`` and a few routes."""
    app = App(middleware=[Middleware(CORSMiddleware, **options)])

    @app.get("/items")
    async def items() -> list[str]:
        return ["rope"]

    @app.get("/varied")
    async def varied() -> PlainTextResponse:
        return PlainTextResponse("hi", headers={"vary": "Accept-Language"})

    @app.post("/items")
    async def create() -> dict[str, bool]:
        return {"created": True}

    return app


def preflight(
    client: TestClient, origin: str = SITE, method: str = "PUT", headers: str | None = None
) -> Any:
    """Send a CORS preflight for ``/items``."""
    sent = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        sent["access-control-request-headers"] = headers
    return client.options("/items", headers=sent)


def test_preflight_allowed() -> None:
    """An allowed preflight is answered by the middleware with methods, headers and max age."""
    app = make_app(allow_origins=[SITE], allow_methods=["GET", "PUT"], allow_headers=["X-Token"])
    with TestClient(app) as client:
        response = preflight(client, headers="X-Token, Content-Type")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-methods"] == "GET, PUT"
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"x-token", "content-type", "accept"} <= allowed
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(
    ("origin", "method", "headers", "reason"),
    [
        ("https://evil.example", "PUT", None, "origin 'https://evil.example' is not allowed"),
        (SITE, "DELETE", None, "method 'DELETE' is not allowed"),
        (SITE, "PUT", "X-Token, X-Other", "headers x-token, x-other not allowed"),
    ],
)
def test_preflight_refused(origin: str, method: str, headers: str | None, reason: str) -> None:
    """A refused preflight is a 400 whose text says what was not allowed."""
    app = make_app(allow_origins=[SITE], allow_methods=["GET", "PUT"])
    with TestClient(app) as client:
        response = preflight(client, origin, method, headers)
    assert response.status_code == 400
    assert response.text == f"CORS preflight refused: {reason}."
    assert "access-control-allow-origin" not in response.headers


def test_options_without_request_method_reaches_the_app() -> None:
    """OPTIONS with Origin but no Access-Control-Request-Method is an actual request."""
    with TestClient(make_app(allow_origins=[SITE])) as client:
        response = client.options("/items", headers={"origin": SITE})
    assert response.status_code == 204
    assert response.headers["allow"]
    assert response.headers["access-control-allow-origin"] == SITE


def test_simple_request_from_allowed_origin() -> None:
    """An actual request gets Allow-Origin, Expose-Headers and Allow-Credentials."""
    app = make_app(
        allow_origins=[SITE], allow_credentials=True, expose_headers=["X-Total", "X-Page"]
    )
    with TestClient(app) as client:
        response = client.get("/items", headers={"origin": SITE})
    assert response.json() == ["rope"]
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Total, X-Page"
    assert response.headers["vary"] == "Origin"


def test_simple_request_from_other_origin() -> None:
    """A disallowed origin gets the response without CORS headers, but with Vary: Origin."""
    with TestClient(make_app(allow_origins=[SITE])) as client:
        response = client.post("/items", headers={"origin": "https://evil.example"})
    assert response.json() == {"created": True}
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def test_request_without_origin_is_untouched() -> None:
    """Same-origin and non-browser requests get no CORS headers and no Vary."""
    with TestClient(make_app(allow_origins=[SITE])) as client:
        response = client.get("/items")
    assert "access-control-allow-origin" not in response.headers
    assert "vary" not in response.headers


def test_vary_is_merged() -> None:
    """An existing Vary header is extended, not replaced or repeated."""
    with TestClient(make_app(allow_origins=[SITE])) as client:
        response = client.get("/varied", headers={"origin": SITE})
    assert response.headers.get_list("vary") == ["Accept-Language, Origin"]


def test_wildcard_origin_without_credentials() -> None:
    """allow_origins=["*"] answers "*" to any origin, and the response does not vary."""
    with TestClient(make_app(allow_origins=["*"])) as client:
        response = client.get("/items", headers={"origin": "https://anyone.example"})
        pre = preflight(client, "https://anyone.example", "POST")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "*"


def test_origin_regex() -> None:
    """allow_origin_regex must match the whole origin."""
    app = make_app(allow_origin_regex=r"https://[a-z]+\.example\.com")
    with TestClient(app) as client:
        good = client.get("/items", headers={"origin": "https://shop.example.com"})
        bad = client.get("/items", headers={"origin": "https://shop.example.com.evil.io"})
    assert good.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert "access-control-allow-origin" not in bad.headers


def test_wildcard_headers_and_methods_are_reflected_with_credentials() -> None:
    """With credentials, "*" headers and methods are answered with what was asked."""
    app = make_app(
        allow_origins=[SITE], allow_methods=["*"], allow_headers=["*"], allow_credentials=True
    )
    with TestClient(app) as client:
        response = preflight(client, method="PATCH", headers="X-Anything, X-Else")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-methods"] == "PATCH"
    assert response.headers["access-control-allow-headers"] == "X-Anything, X-Else"
    assert response.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"allow_origins": ["*"], "allow_credentials": True}, "every website"),
        ({"allow_origins": ["https://a.example/"]}, "no path or trailing slash"),
        ({"allow_origins": ["a.example"]}, "is not an origin"),
        ({"allow_origins": "https://a.example"}, "must be a list"),
        (
            {"allow_origins": [SITE], "allow_credentials": True, "expose_headers": ["*"]},
            "list the headers",
        ),
    ],
)
def test_unsafe_or_wrong_configuration(options: dict[str, Any], message: str) -> None:
    """Configurations that would be unsafe or silently useless fail at startup."""
    with pytest.raises(ImproperlyConfigured, match=message):
        make_app(**options).build()


def test_websocket_passes_through() -> None:
    """CORS does not apply to websockets; the handshake reaches the app."""
    app = make_app(allow_origins=[SITE])

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text("hello")
        await socket.close()

    with TestClient(app) as client, client.websocket_connect("/ws") as socket:
        assert socket.receive_text() == "hello"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], [(b"vary", b"Origin")]),
        ([(b"vary", b"Cookie")], [(b"vary", b"Cookie, Origin")]),
        ([(b"vary", b"cookie, origin")], [(b"vary", b"cookie, origin")]),
        ([(b"vary", b"*")], [(b"vary", b"*")]),
    ],
)
def test_merge_vary(before: list[tuple[bytes, bytes]], after: list[tuple[bytes, bytes]]) -> None:
    """merge_vary adds a token once, to the existing line, and leaves Vary: * alone."""
    headers = list(before)
    merge_vary(headers, "Origin")
    assert headers == after
