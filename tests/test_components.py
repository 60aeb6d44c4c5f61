"""Tests for the component contract: requirements, build hooks, middleware positions, mounts."""
# No "from __future__ import annotations": handlers here refer to local names.

from typing import Any

import pytest

from schooner import App, HTTPException, Middleware, Request, Response
from schooner.exceptions import ImproperlyConfigured
from schooner.routing import RouteTable
from schooner.testing import TestClient
from schooner.types import ASGIApp, Message, Receive, Scope, Send


class Store:
    """A component others build on."""

    name = "store"

    def setup(self, app: App) -> None:
        """Nothing to add."""


class Shop:
    """A component that needs a Store set up before it."""

    name = "shop"

    def __init__(self) -> None:
        self.store: Store | None = None

    def setup(self, app: App) -> None:
        self.store = app.require(Store, by=self)


def test_a_requirement_is_handed_over_typed() -> None:
    """require() returns the component it needs."""
    store, shop = Store(), Shop()
    app = App(components=[store, shop])
    assert shop.store is store
    assert app.component(Store) is store
    assert app.component(int) is None


def test_a_missing_requirement_says_how_to_fix_it() -> None:
    """Without the component: a startup error that names what to add and where."""
    with pytest.raises(
        ImproperlyConfigured,
        match=r"Shop\(\) needs Store\(\): add Store\(\) before Shop\(\) in App\(components",
    ):
        App(components=[Shop()])


def test_a_misordered_requirement_says_to_move_it() -> None:
    """Listed after the component that needs it: the error says to move it."""
    with pytest.raises(
        ImproperlyConfigured, match=r"Shop\(\) needs Store\(\), which is listed after it: move"
    ):
        App(components=[Shop(), Store()])


class Marker:
    """Route metadata a battery reads at build time."""


class Audit:
    """A battery that builds its per-route table once, in a build hook."""

    name = "audit"

    def __init__(self) -> None:
        self.marked: set[str] = set()
        self.builds = 0

    def setup(self, app: App) -> None:
        app.on_build(self.build)

    def build(self, table: RouteTable) -> None:
        self.builds += 1
        self.marked = {route.name for route in table if route.find(Marker) is not None}


def test_build_hooks_see_the_route_table_once() -> None:
    """A build hook runs once, with every route and its metadata."""
    audit = Audit()
    app = App(components=[audit], openapi=None)

    @app.get("/a", meta=[Marker()])
    async def a() -> str:
        return "a"

    @app.get("/b")
    async def b() -> str:
        return "b"

    with TestClient(app) as client:
        client.get("/a")
        client.get("/b")
    assert audit.marked == {"a"}
    assert audit.builds == 1


def test_a_failing_build_hook_fails_the_startup() -> None:
    """A hook that raises stops the app with its message."""
    app = App(openapi=None)

    def refuse(table: RouteTable) -> None:
        raise ImproperlyConfigured("the audit log is not writable")

    app.on_build(refuse)
    with pytest.raises(RuntimeError, match="audit log is not writable"), TestClient(app):
        pass


def test_build_hooks_cannot_be_added_once_built() -> None:
    """After the app is built, adding a hook is an error, not a hook that never runs."""
    app = App(openapi=None)
    app.build()
    with pytest.raises(ImproperlyConfigured, match="after the app has started"):
        app.on_build(lambda table: None)


class Stamp:
    """ASGI middleware adding a header to every response."""

    def __init__(self, app: ASGIApp, *, value: str) -> None:
        self.app = app
        self.value = value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-stamp", self.value)]}
            await send(message)

        await self.app(scope, receive, stamped)


def test_outermost_middleware_sees_server_errors() -> None:
    """An outermost layer wraps the server-error layer: a 500 carries its header too."""
    app = App(openapi=None)
    app.add_middleware(Middleware(Stamp, value="edge"), outermost=True)
    app.add_middleware(Middleware(Stamp, value="inner", name="Inner"))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers.get_list("x-stamp") == ["edge"]
    assert app.middleware_chain("/boom")[:3] == ["Stamp", "ServerErrorMiddleware", "Inner"]
    assert app.has_middleware("Stamp")
    assert app.has_middleware("Inner")
    assert not app.has_middleware("Other")


def test_outermost_takes_no_position() -> None:
    """before=/after= make no sense for an outermost layer."""
    with pytest.raises(ImproperlyConfigured, match="outermost layer takes no"):
        App().add_middleware(Stamp, before="Inner", outermost=True)


class TooLarge:
    """App-level middleware that refuses a request with an HTTPException."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/big":
            raise HTTPException(413, "The body is too large.")
        await self.app(scope, receive, send)


def test_http_exceptions_from_app_middleware_are_answered_not_500() -> None:
    """A 413 raised by app-level middleware is a 413 problem response, through the handlers."""
    seen: list[int] = []

    def handler(request: Request, exc: HTTPException) -> Response:
        seen.append(exc.status_code)
        return Response(f"handled {exc.status_code}", status_code=exc.status_code)

    app = App(middleware=[TooLarge], exception_handlers={413: handler}, openapi=None)

    @app.post("/big")
    async def big() -> str:
        return "never"

    with TestClient(app) as client:
        response = client.post("/big")
    assert response.status_code == 413
    assert response.text == "handled 413"
    assert seen == [413]


def test_unhandled_errors_from_app_middleware_are_still_500() -> None:
    """Only exceptions with a handler are answered by it; others stay server errors."""

    class Broken:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            raise KeyError("oops")

    app = App(middleware=[Broken], openapi=None)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


def test_a_mounted_app_runs_its_lifespan_inside_the_parents() -> None:
    """A component served alone works mounted too: its startup hooks run in the parent's."""
    log: list[str] = []
    child = App(openapi=None)
    tables: dict[str, Any] = {}

    @child.on_startup
    def create_tables() -> None:
        log.append("child start")
        tables["ready"] = True

    child.on_shutdown(lambda: log.append("child stop"))

    @child.get("/items")
    async def items() -> dict[str, bool]:
        return {"ready": tables["ready"]}

    parent = App(openapi=None)
    parent.on_startup(lambda: log.append("parent start"))
    parent.on_shutdown(lambda: log.append("parent stop"))
    parent.mount("/shop", child)
    with TestClient(parent) as client:
        assert client.get("/shop/items").json() == {"ready": True}
    assert log == ["parent start", "child start", "child stop", "parent stop"]


def test_a_mounted_app_that_fails_to_start_fails_the_parent() -> None:
    """The parent's startup fails with the child's message and where it is mounted."""
    child = App(openapi=None)

    @child.on_startup
    def broken() -> None:
        raise ConnectionError("tables could not be created")

    parent = App(openapi=None)
    parent.mount("/shop", child)
    with (
        pytest.raises(RuntimeError, match=r"tables could not be created.*mounted at '/shop'"),
        TestClient(parent),
    ):
        pass
