"""Tests for schooner.testing: TestClient and AsyncTestClient against small raw ASGI apps."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import schooner.testing
from schooner.testing import AsyncTestClient, TestClient
from schooner.types import Message, Receive, Scope, Send

# --- small raw ASGI apps ------------------------------------------------------------------


async def send_json(send: Send, data: Any, *, status: int = 200, headers: Any = ()) -> None:
    """Send ``data`` as a complete JSON response."""
    body = json.dumps(data).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    """Read the whole request body."""
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


class LifespanApp:
    """Supports lifespan: sets state at startup, records events, echoes request details."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.loops: dict[str, asyncio.AbstractEventLoop] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.events.append("startup")
                    self.loops["startup"] = asyncio.get_running_loop()
                    scope["state"]["greeting"] = "hello"
                    scope["state"]["shared"] = []
                    await send({"type": "lifespan.startup.complete"})
                else:
                    self.events.append("shutdown")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        self.loops["request"] = asyncio.get_running_loop()
        await handle_echo(scope, receive, send)


async def handle_echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with what the request looked like; ``/mutate`` also writes to its state."""
    state = scope["state"]
    if scope["path"] == "/mutate":
        state["added"] = True
        state["shared"].append("x")
    body = await read_body(receive)
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    await send_json(
        send,
        {
            "state": {k: v for k, v in state.items() if k != "shared"},
            "shared": state.get("shared"),
            "path": scope["path"],
            "method": scope["method"],
            "client": list(scope["client"]),
            "headers": headers,
            "body": body.decode(),
            "thread": threading.current_thread().name,
        },
    )


async def no_lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Doesn't support lifespan: raises on the lifespan scope before anything else."""
    if scope["type"] != "http":
        raise ValueError(f"unsupported scope type {scope['type']!r}")
    await handle_echo(scope, receive, send)


async def returning_lifespan_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Ignores lifespan by returning at once, without reading an event."""
    if scope["type"] == "http":
        await handle_echo(scope, receive, send)


def startup_failing_app(*, reply: Message | None, then_raise: bool) -> Callable[..., Any]:
    """An app whose startup goes wrong: it may send ``reply`` and then may raise."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        if reply is not None:
            await send(reply)
        if then_raise:
            raise LookupError("database unreachable")

    return app


def shutdown_app(reply: Message | None, *, then_raise: bool = False) -> Callable[..., Any]:
    """An app that starts fine, then answers ``lifespan.shutdown`` with ``reply``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        if reply is not None:
            await send(reply)
        if then_raise:
            raise LookupError("could not flush")

    return app


async def error_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Raises while handling a request; ``/late`` raises after the response has started."""
    if scope["type"] != "http":
        raise ValueError("no lifespan")
    if scope["path"] == "/late":
        await send({"type": "http.response.start", "status": 201, "headers": []})
    raise KeyError("boom")


async def cookie_app(scope: Scope, receive: Receive, send: Send) -> None:
    """``/set`` sets a cookie; any other path reports the cookies it received."""
    if scope["type"] != "http":
        raise ValueError("no lifespan")
    if scope["path"] == "/set":
        await send_json(send, {}, headers=[(b"set-cookie", b"session=abc; Path=/")])
        return
    cookie = dict(scope["headers"]).get(b"cookie", b"").decode()
    await send_json(send, {"cookie": cookie})


async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Sends its body in three chunks without a Content-Length header."""
    if scope["type"] != "http":
        raise ValueError("no lifespan")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for chunk in (b"one ", b"two ", b"three"):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def get_name() -> str:
    """The provider the fake app's handler depends on."""
    return "real"


def get_other() -> str:
    """A second provider, for overriding several at once."""
    return "other"


class FakeApp:
    """A stand-in for a Schooner App: it resolves ``get_name`` through its overrides."""

    def __init__(self) -> None:
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError("no lifespan")
        provider = self.dependency_overrides.get(get_name, get_name)
        await send_json(send, {"name": provider()})


def loop_threads() -> list[threading.Thread]:
    """The TestClient event loop threads that are alive now."""
    return [t for t in threading.enumerate() if t.name == "schooner-testclient"]


@pytest.fixture
def no_leaked_threads() -> Iterator[None]:
    """Fail the test if it leaves a TestClient loop thread running."""
    before = set(loop_threads())
    yield
    assert set(loop_threads()) <= before


# --- the package ---------------------------------------------------------------------------


def test_all_lists_the_public_names() -> None:
    """The package exports the two clients and their websocket sessions, sorted."""
    assert schooner.testing.__all__ == [
        "AsyncTestClient",
        "AsyncWebSocketSession",
        "TestClient",
        "WebSocketRejected",
        "WebSocketTestSession",
    ]
    assert schooner.testing.TestClient is TestClient


def test_unknown_attribute_raises_attribute_error() -> None:
    """Names outside ``__all__`` are not invented by the lazy loader."""
    with pytest.raises(AttributeError, match="Nope"):
        _ = schooner.testing.Nope  # type: ignore[attr-defined]  # the point of the test


def test_clients_are_httpx_clients() -> None:
    """Both clients are httpx clients, so the whole httpx API is available."""
    assert issubclass(TestClient, httpx.Client)
    assert issubclass(AsyncTestClient, httpx.AsyncClient)


def test_missing_httpx_raises_missing_dependency() -> None:
    """Without httpx the clients raise MissingDependency naming the extra; the plugin loads."""
    code = (
        "import sys\n"
        "sys.modules['httpx'] = None\n"
        "import schooner, schooner.testing.pytest_plugin\n"
        "assert 'schooner.testing._client' not in sys.modules\n"
        "from schooner.exceptions import MissingDependency\n"
        "try:\n"
        "    from schooner.testing import TestClient\n"
        "except MissingDependency as exc:\n"
        "    print(exc.package, exc.extra)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["httpx", "testing"]


def test_importing_schooner_does_not_import_testing() -> None:
    """``import schooner`` loads neither schooner.testing nor httpx."""
    code = (
        "import sys, schooner\nprint('schooner.testing' in sys.modules, 'httpx' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


# --- TestClient ----------------------------------------------------------------------------


@pytest.mark.usefixtures("no_leaked_threads")
def test_sync_lifespan_runs_startup_and_shutdown() -> None:
    """Entering runs startup before any request and leaving runs shutdown."""
    app = LifespanApp()
    with TestClient(app) as client:
        assert app.events == ["startup"]
        response = client.get("/")
        assert response.json()["state"] == {"greeting": "hello"}
    assert app.events == ["startup", "shutdown"]


def test_sync_lifespan_and_requests_share_one_background_loop() -> None:
    """Startup and requests run on the same event loop, in a thread other than the test's."""
    app = LifespanApp()
    with TestClient(app) as client:
        thread = client.get("/").json()["thread"]
    assert app.loops["startup"] is app.loops["request"]
    assert thread == "schooner-testclient"


def test_sync_request_state_is_a_shallow_copy() -> None:
    """Keys a request adds stay in that request; objects made at startup are shared."""
    with TestClient(LifespanApp()) as client:
        first = client.get("/mutate").json()
        second = client.get("/").json()
    assert first["state"] == {"greeting": "hello", "added": True}
    assert second["state"] == {"greeting": "hello"}
    assert second["shared"] == ["x"]


@pytest.mark.usefixtures("no_leaked_threads")
def test_sync_lifespan_false_skips_lifespan() -> None:
    """With ``lifespan=False`` neither startup nor shutdown runs and the state is empty."""
    app = LifespanApp()
    with TestClient(app, lifespan=False) as client:
        assert client.get("/").json()["state"] == {}
    assert app.events == []


@pytest.mark.usefixtures("no_leaked_threads")
def test_sync_without_with_starts_lazily_and_close_stops_thread() -> None:
    """Used without ``with``, the loop starts on the first request and ``close`` stops it."""
    app = LifespanApp()
    client = TestClient(app)
    assert loop_threads() == []
    assert client.get("/").status_code == 200
    assert len(loop_threads()) == 1
    client.close()
    assert loop_threads() == []
    assert app.events == []


@pytest.mark.usefixtures("no_leaked_threads")
def test_sync_close_inside_the_block_shuts_down_once() -> None:
    """``close`` runs the lifespan shutdown and stops the loop; leaving the block does nothing."""
    app = LifespanApp()
    with TestClient(app) as client:
        client.close()
        assert app.events == ["startup", "shutdown"]
        assert loop_threads() == []
    assert app.events == ["startup", "shutdown"]


@pytest.mark.usefixtures("no_leaked_threads")
def test_sync_close_without_requests_is_harmless() -> None:
    """Closing a client that never sent a request does nothing surprising."""
    client = TestClient(no_lifespan_app)
    client.close()
    client.close()


@pytest.mark.usefixtures("no_leaked_threads")
@pytest.mark.parametrize(
    ("reply", "then_raise"),
    [
        ({"type": "lifespan.startup.failed", "message": "database unreachable"}, True),
        ({"type": "lifespan.startup.failed", "message": "database unreachable"}, False),
    ],
)
def test_sync_startup_failed_raises_runtime_error(reply: Message, then_raise: bool) -> None:
    """``lifespan.startup.failed`` raises RuntimeError carrying the app's message."""
    app = startup_failing_app(reply=reply, then_raise=then_raise)
    with pytest.raises(RuntimeError, match="startup failed: database unreachable"):  # noqa: SIM117
        with TestClient(app):
            pytest.fail("the block must not run")


def test_startup_failed_chains_the_app_exception() -> None:
    """When the app raises after reporting failure, that exception is the cause."""
    app = startup_failing_app(reply={"type": "lifespan.startup.failed"}, then_raise=True)
    with pytest.raises(RuntimeError, match="no message given") as info:  # noqa: SIM117
        with TestClient(app):
            pass
    assert isinstance(info.value.__cause__, LookupError)


@pytest.mark.usefixtures("no_leaked_threads")
def test_sync_exception_during_startup_propagates() -> None:
    """An app that crashes in its startup code fails the test with its own exception."""
    app = startup_failing_app(reply=None, then_raise=True)
    with pytest.raises(LookupError, match="database unreachable"), TestClient(app):
        pass


@pytest.mark.parametrize(
    ("app", "match"),
    [
        (
            startup_failing_app(reply=None, then_raise=False),
            "returned without sending 'lifespan.startup.complete'",
        ),
        (
            startup_failing_app(reply={"type": "http.response.start"}, then_raise=False),
            "sent 'http.response.start' during lifespan startup",
        ),
    ],
)
def test_sync_broken_startup_replies_raise(app: Callable[..., Any], match: str) -> None:
    """An app that answers startup wrongly, or not at all, raises a RuntimeError."""
    with pytest.raises(RuntimeError, match=match), TestClient(app):
        pass


@pytest.mark.parametrize("app", [no_lifespan_app, returning_lifespan_app])
def test_sync_app_without_lifespan_support_is_tolerated(app: Callable[..., Any]) -> None:
    """An app that ends its lifespan call before reading an event still serves requests."""
    with TestClient(app) as client:
        assert client.get("/").json()["state"] == {}


@pytest.mark.usefixtures("no_leaked_threads")
@pytest.mark.parametrize(
    ("app", "error", "match"),
    [
        (
            shutdown_app({"type": "lifespan.shutdown.failed", "message": "disk full"}),
            RuntimeError,
            "shutdown failed: disk full",
        ),
        (shutdown_app(None), RuntimeError, "without sending 'lifespan.shutdown.complete'"),
        (shutdown_app(None, then_raise=True), LookupError, "could not flush"),
        (
            shutdown_app({"type": "lifespan.shutdown.complete"}, then_raise=True),
            LookupError,
            "could not flush",
        ),
        (
            shutdown_app({"type": "lifespan.startup.complete"}),
            RuntimeError,
            "expected 'lifespan.shutdown.complete'",
        ),
    ],
)
def test_sync_shutdown_problems_raise_on_exit(
    app: Callable[..., Any], error: type[Exception], match: str
) -> None:
    """A failed, missing or crashing shutdown raises when the block is left, and cleans up."""
    with pytest.raises(error, match=match), TestClient(app):
        pass


def test_sync_shutdown_stops_an_app_that_keeps_running() -> None:
    """An app still running after ``shutdown.complete`` is stopped, not waited on forever."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        await asyncio.sleep(3600)

    with TestClient(app):
        pass


def test_sync_server_exception_is_reraised() -> None:
    """By default an exception escaping the app is raised in the test."""
    with TestClient(error_app) as client, pytest.raises(KeyError, match="boom"):
        client.get("/")


@pytest.mark.parametrize(("path", "status"), [("/", 500), ("/late", 201)])
def test_sync_server_exception_becomes_response(path: str, status: int) -> None:
    """With ``raise_server_exceptions=False`` the test gets the response instead."""
    with TestClient(error_app, raise_server_exceptions=False) as client:
        response = client.get(path)
    assert response.status_code == status
    assert response.content == b""


def test_sync_cookies_persist_across_requests() -> None:
    """A cookie the app sets is sent back on the next request."""
    with TestClient(cookie_app) as client:
        client.get("/set")
        assert client.get("/read").json() == {"cookie": "session=abc"}
        assert client.cookies["session"] == "abc"


def test_sync_request_options_reach_the_app() -> None:
    """Base URL, client address, default headers and cookies are what the app sees."""
    with TestClient(
        no_lifespan_app,
        base_url="https://example.org/api",
        client=("10.0.0.7", 4321),
        headers={"x-token": "t0k"},
        cookies={"theme": "dark"},
    ) as client:
        data = client.get("/items").json()
    assert data["path"] == "/api/items"
    assert data["client"] == ["10.0.0.7", 4321]
    assert data["headers"]["host"] == "example.org"
    assert data["headers"]["x-token"] == "t0k"
    assert data["headers"]["cookie"] == "theme=dark"


def test_sync_default_host_and_client_address() -> None:
    """By default requests go to ``testserver`` from ``testclient:50000``."""
    with TestClient(no_lifespan_app) as client:
        data = client.get("/").json()
    assert data["headers"]["host"] == "testserver"
    assert data["client"] == ["testclient", 50000]


def test_sync_request_body_is_sent() -> None:
    """A request body, even one given as a generator, reaches the app whole."""

    def chunks() -> Iterator[bytes]:
        yield b"hello "
        yield b"world"

    with TestClient(no_lifespan_app) as client:
        assert client.post("/", content=b"abc").json()["body"] == "abc"
        assert client.post("/", content=chunks()).json()["body"] == "hello world"


def test_sync_streamed_response_is_read_whole() -> None:
    """A response sent in chunks arrives as one body, with the app's headers unchanged."""
    with TestClient(streaming_app) as client:
        response = client.get("/")
        head = client.head("/")
    assert response.text == "one two three"
    assert "content-length" not in response.headers
    assert head.content == b""


def test_sync_stream_api_works() -> None:
    """``client.stream`` yields the body although it was read in the loop thread."""
    with TestClient(streaming_app) as client, client.stream("GET", "/") as response:
        assert b"".join(response.iter_bytes()) == b"one two three"


def test_sync_client_cannot_be_reopened() -> None:
    """A closed client refuses a second ``with``, as httpx clients do."""
    client = TestClient(no_lifespan_app)
    with client:
        pass
    with pytest.raises(RuntimeError, match="reopen"), client:
        pass


# --- AsyncTestClient -----------------------------------------------------------------------


async def test_async_lifespan_runs_startup_and_shutdown() -> None:
    """Entering runs startup before any request and leaving runs shutdown."""
    app = LifespanApp()
    async with AsyncTestClient(app) as client:
        assert app.events == ["startup"]
        response = await client.get("/")
        assert response.json()["state"] == {"greeting": "hello"}
    assert app.events == ["startup", "shutdown"]


async def test_async_request_state_is_a_shallow_copy() -> None:
    """Keys a request adds stay in that request; objects made at startup are shared."""
    async with AsyncTestClient(LifespanApp()) as client:
        first = (await client.get("/mutate")).json()
        second = (await client.get("/")).json()
    assert first["state"] == {"greeting": "hello", "added": True}
    assert second["state"] == {"greeting": "hello"}
    assert second["shared"] == ["x"]


async def test_async_lifespan_false_skips_lifespan() -> None:
    """With ``lifespan=False`` neither startup nor shutdown runs."""
    app = LifespanApp()
    async with AsyncTestClient(app, lifespan=False) as client:
        assert (await client.get("/")).json()["state"] == {}
    assert app.events == []


async def test_async_without_with_runs_no_lifespan() -> None:
    """Used without ``async with``, requests work and no lifespan runs."""
    app = LifespanApp()
    client = AsyncTestClient(app)
    assert (await client.get("/")).status_code == 200
    await client.aclose()
    assert app.events == []


async def test_async_close_inside_the_block_shuts_down_once() -> None:
    """``aclose`` runs the lifespan shutdown; leaving the block is then a no-op."""
    app = LifespanApp()
    async with AsyncTestClient(app) as client:
        await client.aclose()
        assert app.events == ["startup", "shutdown"]
    assert app.events == ["startup", "shutdown"]


async def test_async_startup_failed_raises_runtime_error() -> None:
    """``lifespan.startup.failed`` raises RuntimeError carrying the app's message."""
    app = startup_failing_app(
        reply={"type": "lifespan.startup.failed", "message": "database unreachable"},
        then_raise=True,
    )
    client = AsyncTestClient(app)
    with pytest.raises(RuntimeError, match="startup failed: database unreachable"):
        async with client:
            pytest.fail("the block must not run")
    assert client.is_closed


async def test_async_exception_during_startup_propagates() -> None:
    """An app that crashes in its startup code fails the test with its own exception."""
    app = startup_failing_app(reply=None, then_raise=True)
    with pytest.raises(LookupError, match="database unreachable"):
        async with AsyncTestClient(app):
            pass


@pytest.mark.parametrize("app", [no_lifespan_app, returning_lifespan_app])
async def test_async_app_without_lifespan_support_is_tolerated(app: Callable[..., Any]) -> None:
    """An app that ends its lifespan call before reading an event still serves requests."""
    async with AsyncTestClient(app) as client:
        assert (await client.get("/")).json()["state"] == {}


async def test_async_shutdown_failed_raises_and_closes() -> None:
    """``lifespan.shutdown.failed`` raises on exit and the client is closed all the same."""
    client = AsyncTestClient(
        shutdown_app({"type": "lifespan.shutdown.failed", "message": "disk full"})
    )
    with pytest.raises(RuntimeError, match="shutdown failed: disk full"):
        async with client:
            pass
    assert client.is_closed


async def test_async_server_exception_is_reraised() -> None:
    """By default an exception escaping the app is raised in the test."""
    async with AsyncTestClient(error_app) as client:
        with pytest.raises(KeyError, match="boom"):
            await client.get("/")


async def test_async_server_exception_becomes_500() -> None:
    """With ``raise_server_exceptions=False`` the test gets an empty 500 response."""
    async with AsyncTestClient(error_app, raise_server_exceptions=False) as client:
        response = await client.get("/")
    assert response.status_code == 500


async def test_async_cookies_persist_across_requests() -> None:
    """A cookie the app sets is sent back on the next request."""
    async with AsyncTestClient(cookie_app) as client:
        await client.get("/set")
        assert (await client.get("/read")).json() == {"cookie": "session=abc"}


async def test_async_request_options_reach_the_app() -> None:
    """Base URL, client address, default headers and cookies are what the app sees."""
    async with AsyncTestClient(
        no_lifespan_app,
        base_url="http://api.test",
        client=("10.0.0.7", 4321),
        headers={"x-token": "t0k"},
        cookies={"theme": "dark"},
    ) as client:
        data = (await client.post("/items", content=b"payload")).json()
    assert data["client"] == ["10.0.0.7", 4321]
    assert data["headers"]["host"] == "api.test"
    assert data["headers"]["x-token"] == "t0k"
    assert data["headers"]["cookie"] == "theme=dark"
    assert data["body"] == "payload"


# --- dependency overrides --------------------------------------------------------------------


def test_sync_override_replaces_and_restores() -> None:
    """``override`` swaps the provider inside the block and removes the swap after it."""
    app = FakeApp()
    with TestClient(app) as client:
        with client.override(get_name, lambda: "fake"):
            assert client.get("/").json() == {"name": "fake"}
        assert client.get("/").json() == {"name": "real"}
    assert app.dependency_overrides == {}


def test_override_restores_an_earlier_override() -> None:
    """Nested overrides of one provider unwind to the previous replacement."""
    app = FakeApp()
    app.dependency_overrides[get_name] = lambda: "outer"
    with TestClient(app) as client:
        with client.override(get_name, lambda: "inner"):
            assert client.get("/").json() == {"name": "inner"}
        assert client.get("/").json() == {"name": "outer"}


def test_override_is_undone_when_the_block_raises() -> None:
    """An exception in the block still restores the overrides."""
    app = FakeApp()
    client = TestClient(app)
    with pytest.raises(ZeroDivisionError), client.override(get_name, lambda: "fake"):
        _ = 1 / 0
    assert app.dependency_overrides == {}
    client.close()


async def test_async_override_replaces_and_restores() -> None:
    """The async client's ``override`` is a plain ``with`` block too."""
    app = FakeApp()
    async with AsyncTestClient(app) as client:
        with client.override(get_name, lambda: "fake"):
            assert (await client.get("/")).json() == {"name": "fake"}
        assert (await client.get("/")).json() == {"name": "real"}


def test_sync_constructor_overrides_last_until_close() -> None:
    """Overrides given to the constructor apply at once and are taken back on exit."""
    app = FakeApp()
    previous = app.dependency_overrides[get_other] = lambda: "before"
    client = TestClient(app, overrides={get_name: lambda: "fake", get_other: lambda: "x"})
    with client:
        assert client.get("/").json() == {"name": "fake"}
    assert app.dependency_overrides == {get_other: previous}


async def test_async_constructor_overrides_last_until_close() -> None:
    """Overrides given to the constructor are taken back by ``aclose``."""
    app = FakeApp()
    client = AsyncTestClient(app, overrides={get_name: lambda: "fake"})
    assert (await client.get("/")).json() == {"name": "fake"}
    await client.aclose()
    assert app.dependency_overrides == {}


@pytest.mark.parametrize("client_class", [TestClient, AsyncTestClient])
def test_overrides_need_dependency_overrides(client_class: type[Any]) -> None:
    """An app without ``dependency_overrides`` gives a TypeError that says what to pass."""
    with pytest.raises(TypeError, match="no `dependency_overrides` mapping"):
        client_class(no_lifespan_app, overrides={get_name: get_other})


def test_override_needs_dependency_overrides() -> None:
    """``override`` on an app without ``dependency_overrides`` raises TypeError."""
    with TestClient(no_lifespan_app) as client:  # noqa: SIM117
        with pytest.raises(TypeError, match="Pass the Schooner App itself"):
            with client.override(get_name, get_other):
                pass
