"""Tests for middleware: declaration order is execution order, for both forms."""
# No "from __future__ import annotations": handlers here refer to local names.

from typing import Any

import pytest

from schooner import App, Middleware, Request, Response, Router, StreamingResponse
from schooner.middleware.base import CallNext
from schooner.testing import TestClient
from schooner.types import ASGIApp, Message, Receive, Scope, Send


class Recorder:
    """ASGI middleware that logs when the request passes in and the response passes out."""

    def __init__(self, app: ASGIApp, *, label: str, log: list[str]) -> None:
        self.app = app
        self.name = label
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.log.append(f"{self.name} in")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.log.append(f"{self.name} out")
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            self.log.append(f"{self.name} saw {type(exc).__name__}")
            raise


def function_mw(name: str, log: list[str]) -> Any:
    async def mw(request: Request, call_next: CallNext) -> Response:
        log.append(f"{name} in")
        try:
            response = await call_next(request)
        except Exception as exc:
            log.append(f"{name} saw {type(exc).__name__}")
            raise
        log.append(f"{name} out")
        return response

    mw.__qualname__ = name
    return mw


def build(log: list[str]) -> App:
    router = Router(
        prefix="/r",
        middleware=[
            Middleware(Recorder, name="router1", label="router1", log=log),
            function_mw("router2", log),
        ],
    )

    @router.get("/ok")
    async def ok() -> str:
        log.append("handler")
        return "ok"

    @router.get("/boom")
    async def boom() -> str:
        log.append("handler")
        raise LookupError("boom")

    app = App(
        middleware=[
            Middleware(Recorder, name="first", label="first", log=log),
            function_mw("second", log),
            Middleware(Recorder, name="third", label="third", log=log),
        ]
    )
    app.include(router)
    return app


def test_declaration_order_is_execution_order() -> None:
    """The first declared is outermost in, last out; router middleware nests inside."""
    log: list[str] = []
    with TestClient(build(log)) as client:
        assert client.get("/r/ok").text == "ok"
    assert log == [
        "first in",
        "second in",
        "third in",
        "router1 in",
        "router2 in",
        "handler",
        "router2 out",
        "router1 out",
        "third out",
        "second out",
        "first out",
    ]


def test_exceptions_pass_through_in_order() -> None:
    """An unhandled exception travels outwards through every layer, innermost first."""
    log: list[str] = []
    with TestClient(build(log), raise_server_exceptions=False) as client:
        assert client.get("/r/boom").status_code == 500
    assert log == [
        "first in",
        "second in",
        "third in",
        "router1 in",
        "router2 in",
        "handler",
        "router2 saw LookupError",
        "router1 saw LookupError",
        "third saw LookupError",
        "second saw LookupError",
        "first saw LookupError",
    ]


def test_handled_exceptions_reach_app_middleware_as_responses() -> None:
    """An HTTPException becomes a response before app middleware sees it."""
    log: list[str] = []
    with TestClient(build(log)) as client:
        assert client.get("/r/missing").status_code == 404
    assert log == ["first in", "second in", "third in", "third out", "second out", "first out"]


def test_chain_printed_for_a_path() -> None:
    """middleware_chain lists every layer a path goes through, outermost first."""
    app = build([])
    assert app.middleware_chain("/r/ok") == [
        "ServerErrorMiddleware",
        "first",
        "second",
        "third",
        "ExceptionMiddleware",
        "Router",
        "router1",
        "router2",
        f"{__name__}.build.<locals>.ok",
    ]
    assert app.middleware_chain("/nope")[-1] == "404 Not Found"
    assert app.middleware_chain("/r/ok", method="POST")[-1].startswith("405")
    assert app.middleware_chain("/r/ok", method="HEAD")[-1].endswith(".ok")


def test_before_and_after_positions() -> None:
    """Middleware can be placed relative to a named one, as components do."""
    app = App(middleware=[Middleware(Recorder, name="a", label="a", log=[])])
    app.add_middleware(Middleware(Recorder, name="c", label="c", log=[]))
    app.add_middleware(Middleware(Recorder, name="b", label="b", log=[]), before="c")
    app.add_middleware(Middleware(Recorder, name="z", label="z", log=[]), after="a")
    assert app.middleware_chain("/")[1:5] == ["a", "z", "b", "c"]


def test_unknown_anchor_and_both_positions() -> None:
    """Anchoring to a missing middleware, or to two places, is a configuration error."""
    app = App()
    app.add_middleware(Middleware(Recorder, name="x", label="x", log=[]), before="missing")
    with pytest.raises(Exception, match="relative to missing"):
        app.build()
    with pytest.raises(Exception, match="either before= or after="):
        App().add_middleware(Recorder, before="a", after="b")


def test_not_middleware_is_rejected() -> None:
    """A sync function or wrong signature is refused with a clear message."""
    with pytest.raises(TypeError, match="is not middleware"):
        App(middleware=[lambda request: None])


def test_function_middleware_can_read_body_and_change_response() -> None:
    """A function middleware may read the body; the handler still receives it."""
    app = App()

    @app.middleware
    async def sizes(request: Request, call_next: CallNext) -> Response:
        size = len(await request.body())
        response = await call_next(request)
        response.headers["x-body-size"] = str(size)
        return response

    @app.post("/echo")
    async def echo(request: Request) -> bytes:
        return await request.body()

    with TestClient(app) as client:
        response = client.post("/echo", content=b"hello")
    assert response.content == b"hello"
    assert response.headers["x-body-size"] == "5"


def test_function_middleware_can_short_circuit() -> None:
    """Returning a response without calling call_next skips the rest of the chain."""
    app = App()

    @app.middleware
    async def gate(request: Request, call_next: CallNext) -> Response:
        if "x-key" not in request.headers:
            return Response("denied", status_code=401)
        return await call_next(request)

    @app.get("/")
    async def index() -> str:
        return "in"

    with TestClient(app) as client:
        assert client.get("/").status_code == 401
        assert client.get("/", headers={"x-key": "1"}).text == "in"


def test_function_middleware_streams() -> None:
    """Streaming responses pass through function middleware chunk by chunk."""
    app = App()

    @app.middleware
    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Any:
            for i in range(3):
                yield f"{i},"

        return StreamingResponse(chunks(), media_type="text/plain")

    with TestClient(app) as client:
        assert client.get("/stream").text == "0,1,2,"


def test_inner_app_without_response() -> None:
    """An inner app that returns without responding is an error from call_next."""
    app = App()

    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    @app.middleware
    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    app.mount("/silent", silent)
    with TestClient(app) as client, pytest.raises(RuntimeError, match="without a response"):
        client.get("/silent")
