"""Tests for App: lifespan, components, settings checks, introspection."""
# No "from __future__ import annotations": handlers here refer to local names.

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import click
import pytest

from schooner import App, Component, Middleware, Request, Router, Settings
from schooner.config import Secret
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient
from schooner.types import ASGIApp, Receive, Scope, Send


def test_lifespan_hooks_run_in_declaration_order() -> None:
    """Startup and shutdown hooks both run in the order declared; context managers nest."""
    log: list[str] = []

    @contextlib.asynccontextmanager
    async def resources(app: App) -> AsyncIterator[dict[str, Any]]:
        log.append("enter cm")
        yield {"pool": "P"}
        log.append("exit cm")

    app = App(on_startup=[lambda: log.append("start 1")], lifespan=[resources])

    @app.on_startup
    async def start_two() -> None:
        log.append("start 2")

    app.on_shutdown(lambda: log.append("stop 1"))

    @app.on_shutdown
    async def stop_two() -> None:
        log.append("stop 2")

    @app.get("/")
    async def index(request: Request) -> Any:
        return request.state.pool

    with TestClient(app) as client:
        assert client.get("/").text == "P"
        assert log == ["start 1", "start 2", "enter cm"]
    assert log == ["start 1", "start 2", "enter cm", "stop 1", "stop 2", "exit cm"]


def test_startup_failure_is_reported() -> None:
    """A failing startup hook stops the app with the error message."""

    async def broken() -> None:
        raise ConnectionError("database unreachable")

    app = App(on_startup=[broken])
    with pytest.raises(RuntimeError, match="database unreachable"), TestClient(app):
        pass


def test_configuration_errors_fail_startup() -> None:
    """A route conflict found while building is a failed startup, not a served app."""
    app = App()
    app.add_route("/a", lambda: None, methods=["GET"], name="one")
    app.add_route("/a", lambda: None, methods=["GET"], name="two")
    with pytest.raises(RuntimeError, match="would shadow"), TestClient(app):
        pass


def test_production_refuses_insecure_settings() -> None:
    """Production with a missing secret, or with debug on, will not build."""
    with pytest.raises(ImproperlyConfigured, match="SCHOONER_SECRET_KEY"):
        App(settings=Settings(environment="production", allowed_hosts=["x"])).build()
    good = Settings(
        environment="production", secret_key=Secret("k" * 48), allowed_hosts=["example.com"]
    )
    App(settings=good).build()
    with pytest.raises(ImproperlyConfigured, match="Debug mode is on in production"):
        App(settings=good, debug=True).build()


def test_cannot_configure_after_start() -> None:
    """Adding middleware or providers after the app is built is refused."""
    app = App()
    app.build()
    with pytest.raises(ImproperlyConfigured, match="after the app has started"):
        app.add_middleware(Middleware(lambda app: app))
    with pytest.raises(ImproperlyConfigured, match="after the app has started"):
        app.provide(int, lambda: 1)


class Outer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class Blog:
    """A component contributing one of everything."""

    name = "blog"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.events: list[str] = []

    def setup(self, app: App) -> None:
        router = Router(prefix="/blog")

        @router.get("/posts")
        async def posts(repo: PostRepo) -> list[str]:
            return repo.titles

        app.include(router)
        app.provide(PostRepo, PostRepo, scope="app")
        app.add_middleware(Middleware(Outer, name="BlogMiddleware"), before="UserMiddleware")
        app.on_startup(lambda: self.events.append("blog started"))
        app.on_shutdown(lambda: self.events.append("blog stopped"))

        @click.command("seed")
        def seed() -> None:
            click.echo("seeded")

        app.add_command(seed)
        app.add_static_dir(self.folder)
        app.on_build(lambda table: self.events.append(f"built {len(table.routes)} routes"))


class PostRepo:
    def __init__(self) -> None:
        self.titles = ["Hello"]


def test_component_contributions(tmp_path: Path) -> None:
    """A component adds routes, providers, positioned middleware, hooks, commands, folders."""
    blog = Blog(tmp_path)
    app = App(middleware=[Middleware(Outer, name="UserMiddleware")], components=[blog])
    assert isinstance(blog, Component)
    with TestClient(app) as client:
        assert client.get("/blog/posts").json() == ["Hello"]
    assert blog.events == ["built 5 routes", "blog started", "blog stopped"]
    assert app.middleware_chain("/blog/posts")[1:3] == ["BlogMiddleware", "UserMiddleware"]
    assert [c.name for c in app.commands] == ["seed"]
    assert app.static_dirs == [("/static", tmp_path.resolve())]
    assert app.component(Blog) is blog


def test_component_errors(tmp_path: Path) -> None:
    """Duplicate names, non-components and missing folders are configuration errors."""
    with pytest.raises(ImproperlyConfigured, match="Two components are named 'blog'"):
        App(components=[Blog(tmp_path), Blog(tmp_path)])
    with pytest.raises(ImproperlyConfigured, match="is not a component"):
        App(components=[object()])  # type: ignore[list-item]  # wrong on purpose
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        Blog(tmp_path / "missing").setup(App())


def test_routes_table() -> None:
    """The route table lists methods, path, name and handler in order, mounts included."""
    app = App(openapi=None)

    @app.get("/b/{x:int}", name="bee")
    async def b(x: int) -> int:
        return x

    @app.post("/a")
    def a() -> None:
        return None

    app.mount("/m", Outer(app))
    rows = [(r.methods, r.path, r.name) for r in app.route_table]
    assert rows == [(("GET",), "/b/{x:int}", "bee"), (("POST",), "/a", "a"), (("*",), "/m/…", "")]
    assert app.route_table.routes[0].handler.endswith("test_routes_table.<locals>.b")
