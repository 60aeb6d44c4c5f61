"""Tests for dependency injection: providers, scopes, caching, cleanup, overrides, cycles."""
# No "from __future__ import annotations": handlers here refer to local names, which
# string annotations could not resolve.

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from schooner import App, Inject, Query, Request, Settings
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.testing import TestClient


def test_all_provider_kinds() -> None:
    """Plain, async, generator and async-generator providers all inject their value."""

    def plain() -> str:
        return "plain"

    async def coro() -> str:
        return "coro"

    def gen() -> Iterator[str]:
        yield "gen"

    async def agen() -> AsyncIterator[str]:
        yield "agen"

    class Service:
        def __init__(self, name: Annotated[str, Inject(plain)]) -> None:
            self.name = name

    app = App()

    @app.get("/")
    async def index(
        a: Annotated[str, Inject(plain)],
        b: Annotated[str, Inject(coro)],
        c: Annotated[str, Inject(gen)],
        d: Annotated[str, Inject(agen)],
        e: Annotated[Service, Inject(Service)],
    ) -> list[str]:
        return [a, b, c, d, e.name]

    with TestClient(app) as client:
        assert client.get("/").json() == ["plain", "coro", "gen", "agen", "plain"]


def test_cleanup_runs_after_response_in_order() -> None:
    """Generator cleanup runs after the response is sent, last opened first closed."""
    events: list[str] = []

    async def outer() -> AsyncIterator[str]:
        events.append("open outer")
        yield "outer"
        events.append("close outer")

    def inner(o: Annotated[str, Inject(outer)]) -> Iterator[str]:
        events.append("open inner")
        yield o + "+inner"
        events.append("close inner")

    app = App()

    @app.get("/")
    async def index(value: Annotated[str, Inject(inner)]) -> str:
        events.append("handler")
        return value

    async def recorder(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        events.append("response started")
        return response

    app.add_middleware(recorder)
    with TestClient(app) as client:
        assert client.get("/").text == "outer+inner"
    assert events == [
        "open outer",
        "open inner",
        "handler",
        "response started",
        "close inner",
        "close outer",
    ]


def test_cleanup_sees_handler_exception() -> None:
    """When the handler raises, the exception is thrown into generator providers."""
    seen: list[str] = []

    async def session() -> AsyncIterator[str]:
        try:
            yield "s"
        except HTTPException as exc:
            seen.append(f"rollback {exc.status_code}")
            raise
        else:
            seen.append("commit")

    app = App()

    @app.get("/fail")
    async def fail(s: Annotated[str, Inject(session)]) -> None:
        raise HTTPException(409, "conflict")

    @app.get("/ok")
    async def ok(s: Annotated[str, Inject(session)]) -> str:
        return s

    with TestClient(app) as client:
        assert client.get("/fail").status_code == 409
        assert client.get("/ok").text == "s"
    assert seen == ["rollback 409", "commit"]


def test_request_scope_caches_per_request() -> None:
    """A request-scoped provider runs once per request, shared; use_cache=False opts out."""
    calls: list[int] = []

    def counter() -> int:
        calls.append(1)
        return len(calls)

    def twice(a: Annotated[int, Inject(counter)]) -> int:
        return a * 2

    app = App()

    @app.get("/")
    async def index(
        a: Annotated[int, Inject(counter)],
        b: Annotated[int, Inject(twice)],
        fresh: Annotated[int, Inject(counter, use_cache=False)],
    ) -> list[int]:
        return [a, b, fresh]

    with TestClient(app) as client:
        assert client.get("/").json() == [1, 2, 2]
        assert client.get("/").json() == [3, 6, 4]


def test_app_scope_created_once_and_closed_at_shutdown() -> None:
    """An app-scoped generator provider runs once and is closed at shutdown."""
    events: list[str] = []

    async def pool() -> AsyncIterator[dict[str, int]]:
        events.append("create")
        yield {"hits": 0}
        events.append("close")

    Pool = Annotated[dict[str, int], Inject(pool, scope="app")]
    app = App()

    @app.get("/")
    async def index(p: Pool) -> int:
        p["hits"] += 1
        return p["hits"]

    with TestClient(app) as client:
        assert client.get("/").json() == 1
        assert client.get("/").json() == 2
        assert events == ["create"]
    assert events == ["create", "close"]


def test_app_scope_cannot_use_request_values() -> None:
    """An app-scoped provider asking for request data is a startup error."""

    def bad(q: str) -> str:
        return q

    app = App()

    @app.get("/")
    async def index(v: Annotated[str, Inject(bad, scope="app")]) -> str:
        return v

    with pytest.raises(ImproperlyConfigured, match="App-scoped provider"):
        app.build()


def test_cycles_are_startup_errors() -> None:
    """A provider that depends on itself through others is reported with the chain."""

    def a(x: Annotated[int, Inject(lambda: 0)]) -> int:
        return x

    def b(v: Annotated[int, Inject(a)]) -> int:
        return v

    a.__annotations__["x"] = Annotated[int, Inject(b)]
    app = App()

    @app.get("/")
    async def index(v: Annotated[int, Inject(a)]) -> int:
        return v

    with pytest.raises(ImproperlyConfigured, match=r"Dependency cycle: .*a -> .*b -> .*a"):
        app.build()


def test_provide_by_type_and_inject_marker() -> None:
    """app.provide registers a provider used for every parameter of that type."""

    class Clock:
        def now(self) -> str:
            return "noon"

    app = App()
    app.provide(Clock, Clock, scope="app")

    @app.get("/")
    async def index(clock: Clock, again: Annotated[Clock, Inject()]) -> list[Any]:
        return [clock.now(), clock is again]

    with TestClient(app) as client:
        assert client.get("/").json() == ["noon", True]


def test_inject_without_registration_is_an_error() -> None:
    """Inject() with no provider and no registration names the fix."""
    app = App()

    @app.get("/")
    async def index(x: Annotated[int, Inject()]) -> int:
        return x

    with pytest.raises(ImproperlyConfigured, match=r"app.provide"):
        app.build()


def test_overrides_replace_providers() -> None:
    """dependency_overrides swaps a provider at request time, for tests."""

    async def real_db() -> str:
        return "real"

    app = App()

    @app.get("/")
    async def index(db: Annotated[str, Inject(real_db)]) -> str:
        return db

    with TestClient(app) as client:
        assert client.get("/").text == "real"
        with client.override(real_db, lambda: "fake"):
            assert client.get("/").text == "fake"
        assert client.get("/").text == "real"


def test_provider_parameters_are_validated_too() -> None:
    """A provider's own query parameters are validated and errors merged into one 422."""

    def paging(page: Annotated[int, Query(ge=1)] = 1) -> int:
        return page

    app = App()

    @app.get("/")
    async def index(
        page: Annotated[int, Inject(paging)], size: Annotated[int, Query(le=50)] = 10
    ) -> list[int]:
        return [page, size]

    with TestClient(app) as client:
        assert client.get("/?page=2").json() == [2, 10]
        errors = client.get("/?page=0&size=99").json()["errors"]
    assert [e["loc"] for e in errors] == [["query", "size"], ["query", "page"]]


def test_settings_are_injectable() -> None:
    """The app's settings object is injected by its type."""

    class MySettings(Settings):
        greeting: str = "hi"

    app = App(settings=MySettings())

    @app.get("/")
    async def index(settings: MySettings, base: Settings) -> list[Any]:
        return [settings.greeting, base is settings]

    with TestClient(app) as client:
        assert client.get("/").json() == ["hi", True]


def test_cleanup_error_surfaces() -> None:
    """A provider that fails in its cleanup is reported (as a 500) rather than hidden."""

    async def fragile() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("cleanup failed")

    def yields_twice() -> Iterator[int]:
        yield 1
        yield 2

    app = App()

    @app.get("/fragile")
    async def a(v: Annotated[int, Inject(fragile)]) -> int:
        return v

    @app.get("/twice")
    async def b(v: Annotated[int, Inject(yields_twice)]) -> int:
        return v

    with TestClient(app) as client, pytest.raises(RuntimeError, match="cleanup failed"):
        client.get("/fragile")
    with TestClient(app) as client, pytest.raises(RuntimeError, match="yielded more than once"):
        client.get("/twice")


class Pager:
    """A type that says how it is made for a request (``__schooner_provider__``)."""

    def __init__(self, page: int, size: int) -> None:
        self.page = page
        self.size = size

    @classmethod
    def __schooner_provider__(
        cls, page: int = 1, size: Annotated[int, Query(le=50)] = 10
    ) -> "Pager":
        return cls(page, size)


def test_types_can_provide_themselves() -> None:
    """A parameter annotated with such a class gets what its provider returns; its own
    parameters are resolved and validated like any provider's."""
    app = App()

    @app.get("/items")
    async def items(pager: Pager) -> dict[str, int]:
        return {"page": pager.page, "size": pager.size}

    with TestClient(app) as client:
        assert client.get("/items?page=3").json() == {"page": 3, "size": 10}
        invalid = client.get("/items?size=99")
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["loc"] == ["query", "size"]
