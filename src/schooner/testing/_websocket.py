"""WebSocket sessions for the test clients: talk to a websocket route with no server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import httpx

from schooner.exceptions import SchoonerError
from schooner.types import ASGIApp, Message, Scope
from schooner.websockets import WebSocketDisconnect

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
"""Seconds a receive waits for the app before the test fails instead of hanging."""


class WebSocketRejected(SchoonerError):
    """The app refused the handshake; ``status_code``, ``headers`` and ``body`` say how."""

    def __init__(self, status_code: int, headers: httpx.Headers, body: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.body = body
        super().__init__(f"The WebSocket handshake was rejected with status {status_code}.")

    def json(self) -> Any:
        """The response body decoded as JSON (e.g. a problem document)."""
        return json.loads(self.body)


def build_scope(
    client: httpx.Client | httpx.AsyncClient,
    path: str,
    *,
    subprotocols: Sequence[str],
    headers: Mapping[str, str] | None,
    client_address: tuple[str, int],
    root_path: str,
) -> Scope:
    """The ASGI websocket scope for ``path`` as this client would send it."""
    url = client.base_url.join(path)
    parts = urlsplit(str(url))
    request = client.build_request("GET", url, headers=headers)
    raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.multi_items()
    ]
    raw_headers += [
        (b"connection", b"upgrade"),
        (b"upgrade", b"websocket"),
        (b"sec-websocket-version", b"13"),
        (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    ]
    if subprotocols:
        raw_headers.append((b"sec-websocket-protocol", ", ".join(subprotocols).encode()))
    raw_path = (parts.path or "/").encode()
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "wss" if parts.scheme == "https" else "ws",
        "path": root_path + httpx.URL(str(url)).path,
        "raw_path": root_path.encode() + raw_path,
        "root_path": root_path,
        "query_string": parts.query.encode(),
        "headers": raw_headers,
        "client": client_address,
        "server": (
            parts.hostname or "testserver",
            parts.port or (443 if parts.scheme == "https" else 80),
        ),
        "subprotocols": list(subprotocols),
        "extensions": {"websocket.http.response": {}},
    }


class AsyncWebSocketSession:
    """One websocket connection to the app under test (``async with``).

    Entering runs the app until it accepts; a refused handshake raises
    :class:`WebSocketRejected`. Leaving closes the connection (code 1000) and re-raises any
    exception the app raised.

    Attributes:
        accepted_subprotocol: the subprotocol the app chose, if any.
        accepted_headers: the extra headers the app sent with its accept.
    """

    def __init__(self, app: ASGIApp, scope: Scope, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._app = app
        self._scope = scope
        self._timeout = timeout
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.accepted_subprotocol: str | None = None
        self.accepted_headers: list[tuple[bytes, bytes]] = []

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._run())
        await self._to_app.put({"type": "websocket.connect"})
        message = await self._next()
        if message["type"] == "websocket.accept":
            self.accepted_subprotocol = message.get("subprotocol")
            self.accepted_headers = list(message.get("headers", []))
            return self
        await self._finish()
        if message["type"] == "websocket.http.response.start":
            body = b""
            while True:
                part = await self._next()
                body += part.get("body", b"")
                if not part.get("more_body", False):
                    break
            headers = httpx.Headers(
                [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
            )
            raise WebSocketRejected(message["status"], headers, body)
        if message["type"] == "websocket.close":
            raise WebSocketRejected(403, httpx.Headers(), b"")
        raise RuntimeError(f"Unexpected message before accept: {message['type']}.")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _run(self) -> None:
        async def send(message: Message) -> None:
            await self._from_app.put(message)

        try:
            await self._app(self._scope, self._to_app.get, send)
        finally:
            # Wake a receive() that waits for a message that will never come.
            await self._from_app.put({"type": "schooner.app.done"})

    async def _next(self) -> Message:
        try:
            message = await asyncio.wait_for(self._from_app.get(), self._timeout)
        except TimeoutError:
            raise TimeoutError(f"The app sent nothing within {self._timeout} s.") from None
        if message["type"] == "schooner.app.done":
            await self._finish()  # re-raises the app's error, if any
            raise WebSocketDisconnect(1006, "The app returned without closing.")
        return message

    async def _finish(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            await task

    # -- sending ----------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Send a text message to the app."""
        await self._to_app.put({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message to the app."""
        await self._to_app.put({"type": "websocket.receive", "bytes": data})

    async def send_json(self, value: Any) -> None:
        """Send ``value`` as a JSON text message."""
        await self.send_text(json.dumps(value))

    # -- receiving --------------------------------------------------------------------------

    async def receive(self) -> Message:
        """The next message from the app.

        Raises:
            WebSocketDisconnect: the app closed the connection (``code``, ``reason``).
        """
        message = await self._next()
        if message["type"] == "websocket.close":
            self._closed = True
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        return message

    async def receive_text(self) -> str:
        """The next text message."""
        message = await self.receive()
        if message.get("text") is None:
            raise TypeError("The app sent a binary message, not text.")
        return str(message["text"])

    async def receive_bytes(self) -> bytes:
        """The next binary message."""
        message = await self.receive()
        if message.get("bytes") is None:
            raise TypeError("The app sent a text message, not binary.")
        return bytes(message["bytes"])

    async def receive_json(self) -> Any:
        """The next message, decoded as JSON."""
        message = await self.receive()
        text = message.get("text")
        return json.loads(text if text is not None else message["bytes"])

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close from the client side and wait for the app to finish (re-raising its error)."""
        if not self._closed:
            self._closed = True
            await self._to_app.put({"type": "websocket.disconnect", "code": code, "reason": reason})
        await self._finish()


class WebSocketTestSession:
    """The synchronous face of :class:`AsyncWebSocketSession`, for ``TestClient``.

    Every method runs the async one on the client's event loop thread.
    """

    def __init__(
        self, session: AsyncWebSocketSession, run: Callable[[Coroutine[Any, Any, Any]], Any]
    ) -> None:
        self._session = session
        self._run = run

    @property
    def accepted_subprotocol(self) -> str | None:
        """The subprotocol the app chose, if any."""
        return self._session.accepted_subprotocol

    def __enter__(self) -> Self:
        self._run(self._session.__aenter__())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send_text(self, text: str) -> None:
        """Send a text message to the app."""
        self._run(self._session.send_text(text))

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message to the app."""
        self._run(self._session.send_bytes(data))

    def send_json(self, value: Any) -> None:
        """Send ``value`` as a JSON text message."""
        self._run(self._session.send_json(value))

    def receive(self) -> Message:
        """The next message from the app (``WebSocketDisconnect`` when it closed)."""
        result: Message = self._run(self._session.receive())
        return result

    def receive_text(self) -> str:
        """The next text message."""
        result: str = self._run(self._session.receive_text())
        return result

    def receive_bytes(self) -> bytes:
        """The next binary message."""
        result: bytes = self._run(self._session.receive_bytes())
        return result

    def receive_json(self) -> Any:
        """The next message, decoded as JSON."""
        return self._run(self._session.receive_json())

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close from the client side and wait for the app to finish."""
        self._run(self._session.close(code, reason))
