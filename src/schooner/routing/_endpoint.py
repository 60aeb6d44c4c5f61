"""Turning a handler into an ASGI app: solve its parameters, call it, send its result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schooner.concurrency import run_sync
from schooner.di._context import RequestContext
from schooner.di._injector import Dependant, Injector, Kind
from schooner.exceptions import ImproperlyConfigured
from schooner.http.response import Response, encode_json
from schooner.types import ASGIApp, RawHeaders, Receive, Scope, Send

_JSON = b"application/json"
_TEXT = b"text/plain; charset=utf-8"
_BYTES = b"application/octet-stream"


def make_endpoint(
    dependant: Dependant,
    injector: Injector,
    *,
    status_code: int | None,
    headers: Mapping[str, str] | None,
    max_body_size: int,
    max_upload_size: int,
) -> ASGIApp:
    """Return the ASGI app that runs ``dependant`` as a route handler.

    Everything that can be decided before a request arrives is decided here.
    """
    if dependant.kind in (Kind.GEN, Kind.ASYNC_GEN):
        raise ImproperlyConfigured(
            f"Handler {dependant.call!r} is a generator; return a StreamingResponse instead."
        )
    call = dependant.call
    is_async = dependant.kind is Kind.ASYNC
    has_params = bool(dependant.sync_steps or dependant.async_steps)
    extra: RawHeaders = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()
    ]
    status = status_code or 200
    empty_status = status_code or 204

    async def send_result(result: Any, scope: Scope, receive: Receive, send: Send) -> None:
        if isinstance(result, Response):
            for key, value in extra:
                if key not in {k for k, _ in result.headers.raw}:
                    result.headers.raw.append((key, value))
            await result(scope, receive, send)
            return
        if result is None:
            raw = list(extra)
            if empty_status not in (204, 304):
                raw.append((b"content-length", b"0"))
            await send({"type": "http.response.start", "status": empty_status, "headers": raw})
            await send({"type": "http.response.body", "body": b""})
            return
        if isinstance(result, str):
            body, content_type = result.encode(), _TEXT
        elif isinstance(result, bytes):
            body, content_type = result, _BYTES
        else:
            body, content_type = encode_json(result), _JSON
        raw = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = RequestContext(
            scope, receive, max_body_size=max_body_size, max_upload_size=max_upload_size
        )
        try:
            kwargs = await injector.solve(dependant, ctx) if has_params else {}
            if is_async:
                result = await call(**kwargs)
            else:
                result = await run_sync(call, **kwargs)
            await send_result(result, scope, receive, send)
        except BaseException as exc:
            await ctx.finish(exc)
            raise
        if ctx.cleanups or ctx.has_request:  # most requests have nothing to finish
            await ctx.finish(None)

    endpoint.__qualname__ = getattr(call, "__qualname__", "endpoint")
    return endpoint
