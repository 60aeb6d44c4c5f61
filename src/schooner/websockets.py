"""WebSocket connections: accept, typed receive and send, close codes, disconnects.

A websocket handler receives a :class:`WebSocket` as a parameter, next to path, query,
header and cookie parameters and injected dependencies, exactly like an HTTP handler::

    @app.websocket("/echo/{room}")
    async def echo(ws: WebSocket, room: str) -> None:
        await ws.accept()
        async for text in ws.iter_text():
            await ws.send_text(f"{room}: {text}")

Raising :class:`~schooner.exceptions.HTTPException` (or failing parameter validation)
*before* ``accept()`` rejects the handshake: the client gets a 403 (or the error's own
status where the server supports the ASGI "websocket.http.response" extension). After
``accept()``, an ``HTTPException`` closes the socket with code 1008 (policy violation) and
an invalid message (:meth:`WebSocket.receive_json` with a ``type``) with 1007.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Final, TypeVar, overload

import msgspec

from schooner.datastructures import Headers
from schooner.exceptions import SchoonerError, ValidationError
from schooner.http._json import UNREADABLE, decode_json
from schooner.http._validation import every_error, with_integral_floats
from schooner.http.response import encode_json
from schooner.types import Message, Receive, Scope, Send

__all__ = ["WebSocket", "WebSocketClose", "WebSocketDisconnect", "WebSocketState"]

T = TypeVar("T")

NORMAL_CLOSURE: Final = 1000
INVALID_PAYLOAD: Final = 1007
POLICY_VIOLATION: Final = 1008
INTERNAL_ERROR: Final = 1011


class WebSocketState(enum.Enum):
    """Where a connection is in its life."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class WebSocketDisconnect(SchoonerError):
    """The client went away (or the socket was closed); ``code`` is the close code."""

    def __init__(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"WebSocket closed with code {code}" + (f": {reason}" if reason else ""))


class WebSocketClose(SchoonerError):
    """Raise to close the connection with ``code`` and ``reason`` from anywhere in a handler."""

    def __init__(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"close {code} {reason}".strip())


class WebSocket:
    """One WebSocket connection (the ASGI ``websocket`` scope and its channels).

    Attributes:
        scope: the raw ASGI scope.
        state: ``CONNECTING`` until :meth:`accept`, then ``CONNECTED``, then ``DISCONNECTED``.
    """

    __slots__ = ("_connect_seen", "_headers", "_receive", "_send", "path_params", "scope", "state")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            raise ValueError(f"A WebSocket needs a 'websocket' scope, not {scope['type']!r}.")
        self.scope = scope
        self._receive = receive
        self._send = send
        self._headers: Headers | None = None
        self.path_params: dict[str, Any] = scope.get("path_params", {})
        self.state = WebSocketState.CONNECTING
        self._connect_seen = False

    # -- the handshake ----------------------------------------------------------------------

    @property
    def headers(self) -> Headers:
        """The handshake request's headers."""
        if self._headers is None:
            self._headers = Headers(raw=self.scope.get("headers", []))
        return self._headers

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols", []))

    @property
    def client(self) -> tuple[str, int] | None:
        """The client's ``(host, port)``, when the server knows it."""
        client = self.scope.get("client")
        return (client[0], client[1]) if client else None

    async def accept(
        self,
        subprotocol: str | None = None,
        *,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Complete the handshake, optionally choosing one of the offered subprotocols.

        Raises:
            ValueError: ``subprotocol`` was not offered by the client.
            RuntimeError: the connection is not waiting to be accepted.
        """
        if self.state is not WebSocketState.CONNECTING:
            raise RuntimeError(f"Cannot accept a WebSocket that is {self.state.value}.")
        if subprotocol is not None and subprotocol not in self.subprotocols:
            raise ValueError(
                f"Subprotocol {subprotocol!r} was not offered by the client "
                f"(offered: {self.subprotocols})."
            )
        await self._await_connect()
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        await self._send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": raw})
        self.state = WebSocketState.CONNECTED

    async def _await_connect(self) -> None:
        # ASGI: the app hears "websocket.connect" before it may accept or close.
        if self._connect_seen:
            return
        message = await self._receive()
        self._connect_seen = True
        if message["type"] == "websocket.disconnect":
            self.state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(message.get("code", NORMAL_CLOSURE))

    async def reject(
        self, status_code: int = 403, body: bytes = b"", headers: Sequence[tuple[bytes, bytes]] = ()
    ) -> None:
        """Refuse the handshake with an HTTP response.

        Servers that support the ASGI "websocket.http.response" extension send exactly this
        response; others answer 403.
        """
        if self.state is not WebSocketState.CONNECTING:
            raise RuntimeError(f"Cannot reject a WebSocket that is {self.state.value}.")
        await self._await_connect()
        if "websocket.http.response" in self.scope.get("extensions", {}):
            await self._send(
                {
                    "type": "websocket.http.response.start",
                    "status": status_code,
                    "headers": [(b"content-length", str(len(body)).encode()), *headers],
                }
            )
            await self._send({"type": "websocket.http.response.body", "body": body})
        else:
            await self._send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": ""})
        self.state = WebSocketState.DISCONNECTED

    # -- receiving --------------------------------------------------------------------------

    async def receive(self) -> Message:
        """Return the next raw ASGI message.

        Raises:
            WebSocketDisconnect: the client closed the connection.
        """
        if self.state is not WebSocketState.CONNECTED:
            raise RuntimeError("Accept the WebSocket before receiving from it.")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(
                message.get("code", NORMAL_CLOSURE), message.get("reason") or ""
            )
        return message

    async def receive_text(self) -> str:
        """Return the next text message.

        Raises:
            WebSocketClose: (1003) the client sent a binary message.
            WebSocketDisconnect: the client closed the connection.
        """
        message = await self.receive()
        text = message.get("text")
        if text is None:
            raise WebSocketClose(1003, "Expected a text message.")
        return str(text)

    async def receive_bytes(self) -> bytes:
        """Return the next binary message.

        Raises:
            WebSocketClose: (1003) the client sent a text message.
            WebSocketDisconnect: the client closed the connection.
        """
        message = await self.receive()
        data = message.get("bytes")
        if data is None:
            raise WebSocketClose(1003, "Expected a binary message.")
        return bytes(data)

    @overload
    async def receive_json(self) -> Any: ...
    @overload
    async def receive_json(self, type: type[T]) -> T: ...
    async def receive_json(self, type: Any = Any) -> Any:
        """Return the next message (text or binary) decoded as JSON, validated as ``type``.

        ``type`` is anything a request body may be: a Struct, dataclass, TypedDict, a list
        of them, a plain type.

        Raises:
            BadRequest: the message is not JSON, or is nested too deeply to decode (closes
                with 1007 if not caught).
            ValidationError: the JSON does not match ``type``; ``errors`` lists the fields
                under ``["message", ...]`` (closes with 1007 if not caught).
            WebSocketDisconnect: the client closed the connection.
        """
        message = await self.receive()
        data = message.get("text")
        payload = data.encode() if data is not None else message.get("bytes") or b""
        return decode_message(payload, type)

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            return

    async def iter_json(self, type: Any = Any) -> AsyncIterator[Any]:
        """Yield JSON messages validated as ``type`` until the client disconnects."""
        try:
            while True:
                yield await self.receive_json(type)
        except WebSocketDisconnect:
            return

    # -- sending ----------------------------------------------------------------------------

    async def send(self, message: Message) -> None:
        """Send a raw ASGI message.

        Raises:
            WebSocketDisconnect: the connection is gone.
        """
        if self.state is WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(NORMAL_CLOSURE, "The WebSocket is closed.")
        try:
            await self._send(message)
        except OSError as exc:  # the server's "client disconnected" errors are OSErrors
            self.state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(1006, str(exc)) from exc

    async def send_text(self, text: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.send", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, value: Any, *, binary: bool = False) -> None:
        """Send ``value`` as JSON (encoded like response bodies), as text unless ``binary``."""
        body = encode_json(value)
        if binary:
            await self.send_bytes(body)
        else:
            await self.send_text(body.decode())

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the connection (before ``accept()`` this rejects the handshake: 403)."""
        if self.state is WebSocketState.DISCONNECTED:
            return
        if self.state is WebSocketState.CONNECTING:
            await self._await_connect()
        await self._send({"type": "websocket.close", "code": code, "reason": reason})
        self.state = WebSocketState.DISCONNECTED

    def __repr__(self) -> str:
        return f"<WebSocket {self.scope.get('path')} {self.state.value}>"


def decode_message(payload: bytes, target: Any) -> Any:
    """Decode one JSON message into ``target``, with errors located under ``message``.

    Raises:
        BadRequest: not JSON, or nested too deeply.
        ValidationError: the JSON does not match ``target`` (a number out of range
            included).
    """
    if target is Any:
        return decode_json(payload, "message")
    try:
        return decode_json(payload, "message", functools.partial(msgspec.json.decode, type=target))
    except msgspec.ValidationError as exc:
        value = with_integral_floats(target, payload, exc)
        if value is not UNREADABLE:
            return value
        raise ValidationError(every_error(target, payload, "message", exc)) from None
