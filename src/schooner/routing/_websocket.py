"""Turning a websocket handler into an ASGI app: solve its parameters, run it, close cleanly."""

from __future__ import annotations

import contextlib

from schooner.di._context import RequestContext
from schooner.di._injector import Dependant, Injector, Kind, uses_body
from schooner.exceptions import BadRequest, HTTPException, ImproperlyConfigured, ValidationError
from schooner.http.response import encode_json
from schooner.types import ASGIApp, Receive, Scope, Send
from schooner.websockets import (
    INTERNAL_ERROR,
    INVALID_PAYLOAD,
    NORMAL_CLOSURE,
    POLICY_VIOLATION,
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketState,
)

_MAX_REASON = 123  # bytes a close frame's reason may hold (RFC 6455 §5.5)


def make_websocket_endpoint(dependant: Dependant, injector: Injector) -> ASGIApp:
    """Return the ASGI app that runs ``dependant`` as a websocket handler.

    Raises:
        ImproperlyConfigured: the handler is not an ``async def``, or it (or a dependency)
            asks for a request body.
    """
    if dependant.kind is not Kind.ASYNC:
        raise ImproperlyConfigured(
            f"WebSocket handler {dependant.call!r} must be an 'async def' function."
        )
    if uses_body(dependant):
        raise ImproperlyConfigured(
            f"WebSocket handler {dependant.call!r} (or one of its dependencies) reads a request "
            "body; a websocket has none. Receive messages with ws.receive_json(type=...)."
        )
    call = dependant.call
    has_params = bool(dependant.sync_steps or dependant.async_steps)

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        ctx = RequestContext(scope, receive, max_body_size=0, max_upload_size=0)
        ctx.websocket = ws
        try:
            kwargs = await injector.solve(dependant, ctx) if has_params else {}
            await call(**kwargs)
        except WebSocketDisconnect:
            pass
        except WebSocketClose as exc:
            await _close(ws, exc.code, exc.reason)
        except HTTPException as exc:
            if ws.state is WebSocketState.CONNECTING:
                await _reject(ws, exc)
            elif isinstance(exc, ValidationError):
                first = exc.errors[0] if exc.errors else None
                where = ".".join(str(p) for p in first["loc"]) if first else ""
                reason = f"{where}: {first['msg']}" if first else exc.title
                await _close(ws, INVALID_PAYLOAD, reason)
            else:
                code = INVALID_PAYLOAD if isinstance(exc, BadRequest) else POLICY_VIOLATION
                await _close(ws, code, exc.detail or exc.title)
        except BaseException as exc:
            if ws.state is WebSocketState.CONNECTING:
                await _reject(ws, HTTPException(500))
            else:
                await _close(ws, INTERNAL_ERROR, "Internal error")
            await ctx.finish(exc)
            raise
        else:
            # A handler that returns without closing: reject or close normally for it.
            if ws.state is WebSocketState.CONNECTING:
                await _reject(ws, HTTPException(403))
            else:
                await _close(ws, NORMAL_CLOSURE, "")
        await ctx.finish(None)

    endpoint.__qualname__ = getattr(call, "__qualname__", "websocket_endpoint")
    return endpoint


async def _reject(ws: WebSocket, exc: HTTPException) -> None:
    body = encode_json(exc.to_problem())
    headers = [(b"content-type", b"application/problem+json")]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in exc.headers.items()]
    with contextlib.suppress(WebSocketDisconnect, OSError):  # the client is already gone
        await ws.reject(exc.status_code, body, headers)


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    encoded = reason.encode()[:_MAX_REASON].decode(errors="ignore")
    with contextlib.suppress(WebSocketDisconnect, OSError):  # the client is already gone
        await ws.close(code, encoded)
