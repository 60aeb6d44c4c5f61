"""Tests for error handling: HTTP errors, handlers by type and status, 500s, debug page."""
# No "from __future__ import annotations": handlers here refer to local names.

import logging

import pytest

from schooner import App, HTTPError, HTTPException, JSONResponse, Request, Response
from schooner.exceptions import NotFound
from schooner.testing import TestClient


class AppError(Exception):
    pass


class PaymentError(AppError):
    pass


def make_app(**options: object) -> App:
    app = App(**options)  # type: ignore[arg-type]  # options are App keywords

    @app.get("/http")
    async def http() -> None:
        raise HTTPError(403, "Not yours.", headers={"x-why": "owner"}, type="https://e.x/forbidden")

    @app.get("/app-error")
    async def app_error() -> None:
        raise AppError("generic")

    @app.get("/payment")
    async def payment() -> None:
        raise PaymentError("card declined")

    @app.get("/crash")
    async def crash() -> None:
        raise ZeroDivisionError("secret internals")

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("Gone fishing.")

    return app


def test_http_error_is_problem_json() -> None:
    """HTTPError carries status, detail, headers and type into an RFC 9457 document."""
    with TestClient(make_app()) as client:
        response = client.get("/http")
    assert response.status_code == 403
    assert response.headers["x-why"] == "owner"
    assert response.json() == {
        "type": "https://e.x/forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": "Not yours.",
    }


def test_most_specific_handler_wins() -> None:
    """Handlers are looked up along the exception's MRO."""
    app = make_app()

    @app.exception_handler(AppError)
    async def generic(request: Request, exc: AppError) -> Response:
        return JSONResponse({"handled": "generic", "msg": str(exc)}, status_code=400)

    @app.exception_handler(PaymentError)
    def payment(request: Request, exc: PaymentError) -> Response:
        return JSONResponse({"handled": "payment"}, status_code=402)

    with TestClient(app) as client:
        assert client.get("/app-error").json() == {"handled": "generic", "msg": "generic"}
        response = client.get("/payment")
    assert response.status_code == 402
    assert response.json() == {"handled": "payment"}


def test_status_code_handler() -> None:
    """A handler registered for a status handles HTTP errors with that status."""

    async def not_found(request: Request, exc: HTTPException) -> Response:
        return Response(f"custom 404 for {request.url.path}", status_code=404)

    app = make_app(exception_handlers={404: not_found})
    with TestClient(app) as client:
        assert client.get("/missing").text == "custom 404 for /missing"
        assert client.get("/no-route").text == "custom 404 for /no-route"


def test_handler_must_return_response() -> None:
    """An exception handler returning something else is a clear error."""
    app = make_app()
    app.add_exception_handler(AppError, lambda request, exc: "oops")  # type: ignore[arg-type,return-value]  # wrong on purpose
    with TestClient(app) as client, pytest.raises(TypeError, match="must return a Response"):
        client.get("/app-error")


def test_production_500_hides_internals(caplog: pytest.LogCaptureFixture) -> None:
    """A 500 in production says nothing internal, and is logged with the request id."""
    with (
        caplog.at_level(logging.ERROR, logger="schooner.error"),
        TestClient(make_app(), raise_server_exceptions=False) as client,
    ):
        response = client.get("/crash", headers={"x-request-id": "req-123"})
    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] == "req-123"
    assert response.headers["x-request-id"] == "req-123"
    assert "secret internals" not in response.text
    assert "ZeroDivisionError" not in response.text
    record = next(r for r in caplog.records if r.name == "schooner.error")
    assert "req-123" in record.getMessage()
    assert record.exc_info is not None


def test_invalid_request_id_is_replaced() -> None:
    """A client request id with odd characters is not echoed; a new one is made."""
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        response = client.get("/crash", headers={"x-request-id": "<script>"})
    rid = response.json()["request_id"]
    assert rid != "<script>"
    assert len(rid) == 32


def test_exception_is_reraised_for_the_server() -> None:
    """After answering 500, the error propagates so the server and tests see it."""
    with TestClient(make_app()) as client, pytest.raises(ZeroDivisionError):
        client.get("/crash")


def test_custom_500_handler() -> None:
    """A handler for Exception (or 500) renders unhandled errors in production."""

    def oops(request: Request, exc: Exception) -> Response:
        return Response(f"sorry: {type(exc).__name__}", status_code=500)

    app = make_app(exception_handlers={500: oops})
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/crash").text == "sorry: ZeroDivisionError"


def test_failing_500_handler_falls_back() -> None:
    """If the 500 handler itself fails, the default problem response is sent."""

    def broken(request: Request, exc: Exception) -> Response:
        raise RuntimeError("handler broke")

    app = make_app(exception_handlers={Exception: broken})
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/crash")
    assert response.status_code == 500
    assert response.json()["title"] == "Internal Server Error"


LOCAL = ("127.0.0.1", 50000)


def test_debug_page_html_for_browsers() -> None:
    """In debug mode, browsers on this machine get an HTML traceback (escaped)."""
    with TestClient(make_app(debug=True), raise_server_exceptions=False, client=LOCAL) as client:
        response = client.get("/crash?x=<b>", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "ZeroDivisionError: secret internals" in response.text
    assert "Traceback" in response.text
    assert "<b>" not in response.text.split("<body>")[1].split("Traceback")[0]


def test_debug_json_for_api_clients() -> None:
    """In debug mode, API clients on this machine get the traceback as JSON."""
    with TestClient(make_app(debug=True), raise_server_exceptions=False, client=LOCAL) as client:
        response = client.get("/crash", headers={"accept": "application/json"})
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["exception"] == "ZeroDivisionError"
    assert body["traceback"][-1]["function"] == "crash"


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.9.8.7", "::1", "[::1]", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"]
)
def test_debug_page_is_shown_to_loopback_clients(host: str) -> None:
    """Every loopback address, IPv4 or IPv6 (mapped or not), gets the debug page."""
    app = make_app(debug=True)
    with TestClient(app, raise_server_exceptions=False, client=(host, 1234)) as client:
        response = client.get("/crash", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert "ZeroDivisionError: secret internals" in response.text


@pytest.mark.parametrize(
    "host", ["10.0.0.5", "192.0.2.7", "2001:db8::1", "::ffff:10.0.0.5", "localhost", "testclient"]
)
def test_debug_page_is_not_shown_to_other_clients(
    host: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Any other peer gets the plain 500 problem response, and the log says why."""
    app = make_app(debug=True)
    with (
        caplog.at_level(logging.WARNING, logger="schooner.error"),
        TestClient(app, raise_server_exceptions=False, client=(host, 1234)) as client,
    ):
        html = client.get("/crash", headers={"accept": "text/html"})
        api = client.get("/crash", headers={"accept": "application/json"})
    for response in (html, api):
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Internal Server Error"
        assert "secret internals" not in response.text
        assert "traceback" not in response.json()
    refusals = [r.getMessage() for r in caplog.records if "Not showing the debug page" in r.message]
    assert len(refusals) == 2
    assert host in refusals[0]
    assert "loopback" in refusals[0]


def test_debug_page_is_not_shown_without_a_client_address() -> None:
    """A request whose client address is unknown (scope["client"] is None) gets the plain 500."""
    import asyncio

    app = make_app(debug=True)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/crash",
        "raw_path": b"/crash",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept", b"text/html")],
        "client": None,
        "server": ("testserver", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    with pytest.raises(ZeroDivisionError):
        asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 500
    assert b"secret internals" not in sent[1]["body"]  # type: ignore[operator]


def test_debug_page_for_non_loopback_falls_back_to_the_500_handler() -> None:
    """With debug on, a remote client gets the app's own 500 handler, as in production."""

    def custom(request: Request, exc: Exception) -> Response:
        return JSONResponse({"sorry": True}, status_code=500)

    app = make_app(debug=True, exception_handlers={500: custom})
    with TestClient(app, raise_server_exceptions=False, client=("10.0.0.5", 1234)) as client:
        response = client.get("/crash")
    assert response.json() == {"sorry": True}


def test_handlers_apply_wherever_a_route_raises() -> None:
    """Parameterless, parameterised and sync handlers, route middleware, mounted apps and
    a Response that fails before starting all go through the exception handlers."""
    from schooner import Middleware, Router
    from schooner.types import Receive, Scope, Send

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        raise HTTPError(401, "Who are you?")

    class Guard:
        def __init__(self, app: object) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            raise PaymentError("from middleware")

    class Broken(Response):
        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            raise PaymentError("before the start")

    app = make_app(
        exception_handlers={PaymentError: lambda r, e: JSONResponse({"why": str(e)}, 402)}
    )
    guarded = Router(middleware=[Middleware(Guard)])

    @guarded.get("/guarded")
    async def never() -> str:
        return "unreachable"

    @app.get("/with-param/{n:int}")
    async def with_param(n: int) -> None:
        raise PaymentError(f"param {n}")

    @app.get("/sync")
    def sync() -> None:
        raise PaymentError("sync")

    @app.get("/broken")
    async def broken() -> Response:
        return Broken()

    app.include(guarded)
    app.mount("/mounted", refuse)
    with TestClient(app) as client:
        assert client.get("/payment").json() == {"why": "card declined"}
        assert client.get("/with-param/3").json() == {"why": "param 3"}
        assert client.get("/sync").json() == {"why": "sync"}
        assert client.get("/guarded").json() == {"why": "from middleware"}
        assert client.get("/broken").json() == {"why": "before the start"}
        mounted = client.get("/mounted/x")
        assert mounted.status_code == 401
        assert mounted.headers["content-type"] == "application/problem+json"


def test_error_after_the_response_started_is_not_answered_twice() -> None:
    """A streaming body that fails midway is re-raised for the server, never a second start."""
    from schooner import StreamingResponse

    app = App(exception_handlers={PaymentError: lambda r, e: JSONResponse({}, 402)})

    async def chunks():  # type: ignore[no-untyped-def]
        yield b"first"
        raise PaymentError("midway")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        return StreamingResponse(chunks())

    with TestClient(app, raise_server_exceptions=True) as client, pytest.raises(PaymentError):
        client.get("/stream")


def test_a_client_that_leaves_mid_body_is_not_a_server_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """ClientDisconnect reaching the outer layer is logged at info, answered with nothing."""
    import asyncio

    from schooner import App, Request

    app = App(openapi=None)

    @app.post("/upload")
    async def upload(request: Request) -> int:
        return len(await request.body())

    sent: list[dict[str, object]] = []
    messages = iter(
        [
            {"type": "http.request", "body": b"part", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, object]:
        return next(messages)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/upload",
        "raw_path": b"/upload",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-length", b"100")],
        "scheme": "http",
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    with caplog.at_level("INFO", logger="schooner.error"):
        asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert sent == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert "left before sending the whole body" in caplog.text
