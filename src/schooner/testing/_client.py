"""The test clients: httpx clients whose transport calls an ASGI app directly.

Both are built on one core (:class:`_ClientCore`: the app, its lifespan, dependency
overrides, websocket sessions, an ``httpx.ASGITransport``). :class:`AsyncTestClient` runs it
on the caller's event loop. :class:`TestClient` is a plain ``httpx.Client`` that drives the
same core on an asyncio loop in a background thread, so synchronous tests drive a fully async
app; the lifespan runs on that same loop, which keeps objects made at startup (connection
pools, locks) usable by requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine, Iterator, Mapping, MutableMapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from schooner.exceptions import MissingDependency
from schooner.testing._lifespan import LifespanManager
from schooner.types import ASGIApp

try:
    import httpx
except ImportError:  # pragma: no cover - exercised in a subprocess without httpx
    raise MissingDependency("httpx", "testing") from None

from schooner.testing._websocket import (
    DEFAULT_TIMEOUT,
    AsyncWebSocketSession,
    WebSocketTestSession,
    build_scope,
)

T = TypeVar("T")

Provider = Callable[..., Any]
_MISSING: Any = object()


class _ClientCore:
    """What both test clients are made of: the app, its lifespan, overrides and websockets.

    The async client uses it on the caller's loop; the sync client drives the same
    coroutines on its loop thread. Only the event loop differs between the two.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        raise_server_exceptions: bool,
        lifespan: bool,
        client: tuple[str, int],
        overrides: Mapping[Provider, Provider] | None,
        root_path: str,
    ) -> None:
        self.app = app
        self.lifespan = LifespanManager(app)
        self.lifespan_enabled = lifespan
        self.client_address = client
        self.root_path = root_path
        self.transport = httpx.ASGITransport(
            app=self.lifespan.app,
            raise_app_exceptions=raise_server_exceptions,
            root_path=root_path,
            client=client,
        )
        self.override_stack = contextlib.ExitStack()
        for provider, replacement in (overrides or {}).items():
            self.override_stack.enter_context(override(app, provider, replacement))

    async def startup(self) -> None:
        """Run the lifespan startup, if enabled."""
        if self.lifespan_enabled:
            await self.lifespan.startup()

    async def shutdown(self) -> None:
        """Run the lifespan shutdown if startup ran."""
        await self.lifespan.shutdown()

    def websocket(
        self,
        http: httpx.Client | httpx.AsyncClient,
        path: str,
        *,
        subprotocols: Sequence[str],
        headers: Mapping[str, str] | None,
        timeout: float,
    ) -> AsyncWebSocketSession:
        """A websocket session to ``path`` with ``http``'s base URL, headers and cookies."""
        scope = build_scope(
            http,
            path,
            subprotocols=subprotocols,
            headers=headers,
            client_address=self.client_address,
            root_path=self.root_path,
        )
        return AsyncWebSocketSession(self.lifespan.app, scope, timeout=timeout)


@contextlib.contextmanager
def override(app: ASGIApp, provider: Provider, replacement: Provider) -> Iterator[None]:
    """``app.dependency_overrides[provider] = replacement`` for a block, then put back."""
    overrides = _dependency_overrides(app)
    previous = overrides.get(provider, _MISSING)
    overrides[provider] = replacement
    try:
        yield
    finally:
        if previous is _MISSING:
            overrides.pop(provider, None)
        else:
            overrides[provider] = previous


class _Overrides:
    """``client.override(...)``, the same on both clients."""

    app: ASGIApp

    def override(
        self, provider: Provider, replacement: Provider
    ) -> contextlib.AbstractContextManager[None]:
        """Make the app call ``replacement`` wherever it would call ``provider``, for a block.

        Sets ``app.dependency_overrides[provider] = replacement`` and, on leaving the block,
        puts back whatever was there before (an earlier override, or nothing)::

            with client.override(get_db, lambda: FakeDb()):
                response = client.get("/users")

        Works the same on the sync and the async client (it is a plain ``with`` block) and can
        also decorate a test function.

        Args:
            provider: the dependency function the app's handlers ask for.
            replacement: what to call instead; it may itself declare dependencies.

        Raises:
            TypeError: the app has no ``dependency_overrides`` mapping (for example, it is a
                middleware wrapping the app rather than the Schooner app itself).
        """
        return override(self.app, provider, replacement)


def _dependency_overrides(app: object) -> MutableMapping[Provider, Provider]:
    overrides = getattr(app, "dependency_overrides", None)
    if not isinstance(overrides, MutableMapping):
        raise TypeError(
            f"Cannot override dependencies of {app!r}: it has no `dependency_overrides` "
            "mapping. Pass the Schooner App itself to the test client (not a middleware or "
            "other ASGI app wrapping it), or drop the overrides."
        )
    return overrides


class AsyncTestClient(_Overrides, httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that sends its requests straight to an ASGI app.

    ``async with AsyncTestClient(app) as client:`` runs the app's lifespan startup on entry
    and its shutdown on exit; every request then sees a shallow copy of the lifespan state in
    ``scope["state"]``. Without ``async with`` the client still works, but no lifespan runs
    (call :meth:`aclose` when done). Cookies set by the app are kept and sent back, and the
    whole httpx API (``get``, ``post``, ``stream``, ``build_request`` …) is available.

    Args:
        app: the ASGI application under test, usually a Schooner ``App``.
        base_url: where requests are addressed; its host is the ``Host`` header the app sees.
        raise_server_exceptions: re-raise an exception that escapes the app in the test
            (the default), rather than returning an empty 500 response.
        lifespan: run the lifespan protocol when the client is entered.
        client: the ``(host, port)`` the app sees as the client's address.
        headers: headers sent with every request.
        cookies: cookies to start with.
        overrides: dependency overrides (see :meth:`override`) applied from now until the
            client is closed.
        follow_redirects: follow redirect responses; off by default, as in httpx, so a test
            sees the redirect itself.
        root_path: the ``root_path`` the app sees, as when mounted behind a proxy prefix.

    Raises:
        RuntimeError: on entry, if the app sends ``lifespan.startup.failed``; the message
            carries the app's reason.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        lifespan: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        overrides: Mapping[Provider, Provider] | None = None,
        follow_redirects: bool = False,
        root_path: str = "",
    ) -> None:
        self.app = app
        self._core = _ClientCore(
            app,
            raise_server_exceptions=raise_server_exceptions,
            lifespan=lifespan,
            client=client,
            overrides=overrides,
            root_path=root_path,
        )
        super().__init__(
            transport=self._core.transport,
            base_url=base_url,
            headers=headers,
            cookies=dict(cookies) if cookies is not None else None,
            follow_redirects=follow_redirects,
        )

    def websocket_connect(
        self,
        path: str,
        *,
        subprotocols: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> AsyncWebSocketSession:
        """Open a websocket to ``path``: ``async with client.websocket_connect("/ws") as ws:``.

        The client's cookies and headers are sent with the handshake. A refused handshake
        raises :class:`~schooner.testing.WebSocketRejected` on entry.
        """
        return self._core.websocket(
            self, path, subprotocols=subprotocols, headers=headers, timeout=timeout
        )

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        try:
            await self._core.startup()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Run the lifespan shutdown if startup ran, take back constructor overrides, close.

        ``async with`` calls this on exit; closing twice is harmless.

        Raises:
            RuntimeError: the app sent ``lifespan.shutdown.failed``; the client is closed all
                the same.
        """
        try:
            await self._core.shutdown()
        finally:
            self._core.override_stack.close()
            await super().aclose()


class _LoopThread:
    """An asyncio event loop running in a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and block until it returns (or re-raise its error)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._start()).result()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                ready = threading.Event()
                self._thread = threading.Thread(
                    target=asyncio.run,
                    args=(self._serve(ready),),
                    name="schooner-testclient",
                    daemon=True,  # a client that is never closed must not keep Python alive
                )
                self._thread.start()
                ready.wait()
            assert self._loop is not None  # set by _serve before ``ready``
            return self._loop

    async def _serve(self, ready: threading.Event) -> None:
        # asyncio.run() around this cancels leftover tasks and shuts the executor down on exit.
        self._stopping = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        ready.set()
        await self._stopping.wait()

    def stop(self) -> None:
        """Stop the loop and wait for its thread to finish; a no-op if it never started."""
        with self._lock:
            if self._loop is None or self._stopping is None or self._thread is None:
                return
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join()
            self._loop = self._stopping = self._thread = None


class _ThreadedASGITransport(httpx.BaseTransport):
    """A sync transport that hands each request to ``httpx.ASGITransport`` on a loop thread."""

    def __init__(self, asgi: httpx.ASGITransport, loop: _LoopThread) -> None:
        self._asgi = asgi
        self._loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # Reading the body turns the request's stream into bytes, usable from async code.
        request.read()
        return self._loop.run(self._handle(request))

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        # The raw bytes: the outer httpx.Response decodes Content-Encoding (gzip) itself.
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=httpx.ByteStream(body),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._loop.stop()


class TestClient(_Overrides, httpx.Client):
    """An ``httpx.Client`` for testing an ASGI app from synchronous code.

    The app runs on an asyncio event loop in a background thread, started when the client is
    entered (or on the first request). ``with TestClient(app) as client:`` runs the app's
    lifespan startup on that loop on entry and its shutdown on exit; every request sees a
    shallow copy of the lifespan state in ``scope["state"]``. Without ``with`` no lifespan
    runs; call :meth:`close` when done to stop the loop. Responses are read in full before
    they are returned, cookies set by the app are kept, and the whole httpx API is available.

    Args:
        app: the ASGI application under test, usually a Schooner ``App``.
        base_url: where requests are addressed; its host is the ``Host`` header the app sees.
        raise_server_exceptions: re-raise an exception that escapes the app in the test
            (the default), rather than returning an empty 500 response.
        lifespan: run the lifespan protocol when the client is entered.
        client: the ``(host, port)`` the app sees as the client's address.
        headers: headers sent with every request.
        cookies: cookies to start with.
        overrides: dependency overrides (see :meth:`override`) applied from now until the
            client is closed.
        follow_redirects: follow redirect responses; off by default, as in httpx, so a test
            sees the redirect itself.
        root_path: the ``root_path`` the app sees, as when mounted behind a proxy prefix.

    Raises:
        RuntimeError: on entry, if the app sends ``lifespan.startup.failed``; the message
            carries the app's reason.
    """

    __test__ = False  # not a test class, whatever its name tells pytest

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        lifespan: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        overrides: Mapping[Provider, Provider] | None = None,
        follow_redirects: bool = False,
        root_path: str = "",
    ) -> None:
        self.app = app
        self._core = _ClientCore(
            app,
            raise_server_exceptions=raise_server_exceptions,
            lifespan=lifespan,
            client=client,
            overrides=overrides,
            root_path=root_path,
        )
        self._loop_thread = _LoopThread()
        super().__init__(
            transport=_ThreadedASGITransport(self._core.transport, self._loop_thread),
            base_url=base_url,
            headers=headers,
            cookies=dict(cookies) if cookies is not None else None,
            follow_redirects=follow_redirects,
        )

    def websocket_connect(
        self,
        path: str,
        *,
        subprotocols: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> WebSocketTestSession:
        """Open a websocket to ``path``: ``with client.websocket_connect("/ws") as ws:``.

        The client's cookies and headers are sent with the handshake. A refused handshake
        raises :class:`~schooner.testing.WebSocketRejected` on entry.
        """
        session = self._core.websocket(
            self, path, subprotocols=subprotocols, headers=headers, timeout=timeout
        )
        return WebSocketTestSession(session, self._loop_thread.run)

    def __enter__(self) -> Self:
        super().__enter__()
        try:
            self._loop_thread.run(self._core.startup())
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Run the lifespan shutdown if startup ran, take back constructor overrides, close.

        Closing also stops the client's event loop and joins its thread. ``with`` calls this
        on exit; closing twice is harmless.

        Raises:
            RuntimeError: the app sent ``lifespan.shutdown.failed``; the client is closed all
                the same.
        """
        try:
            if self._core.lifespan.running:  # else don't start a loop just to do nothing
                self._loop_thread.run(self._core.shutdown())
        finally:
            self._core.override_stack.close()
            super().close()
