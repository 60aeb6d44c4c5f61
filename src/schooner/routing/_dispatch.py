"""The routing ASGI app: act on the route table's decision for each request."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from schooner.exceptions import BadRequest, HTTPException
from schooner.http._handlers import ExceptionHandlers, ExceptionMiddleware
from schooner.http._target import route_path
from schooner.http.origins import TrustedOrigins, normalize_origin, own_origin
from schooner.http.response import RedirectResponse, Response
from schooner.routing._table import RouteTable, refuse
from schooner.routing.route import WEBSOCKET
from schooner.types import ASGIApp, Receive, Scope, Send
from schooner.websockets import WebSocket

logger = logging.getLogger("schooner.websockets")


class Dispatcher:
    """Routes one request through a compiled :class:`RouteTable`.

    Args:
        table: the compiled routes and mounts.
        errors: the app's exception handlers (404, 405… are answered with them).
        trusted_origins: other origins (``fnmatch`` patterns) whose pages may open
            WebSockets carrying the app's cookies.
    """

    def __init__(
        self,
        table: RouteTable,
        *,
        errors: ExceptionHandlers | None = None,
        trusted_origins: Iterable[str] = (),
    ) -> None:
        self.table = table
        self.errors = errors if errors is not None else ExceptionHandlers({})
        self.trusted_origins = TrustedOrigins(trusted_origins)
        self._resolve = table.resolve  # bound once: this runs on every request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        try:
            raw = scope.get("raw_path")
            if (raw and b"%" in raw) or scope.get("root_path"):
                path = route_path(scope)
            else:  # the common case, without a call: the server's path is the route path
                path = scope["path"]
            target, params = self._resolve(path, scope["method"])
            if target.kind == "route":
                scope["path_params"] = params
                app: Any = target.app
            elif target.kind == "mount":
                await self._to_mount(target.location, target.app, scope, receive, send)  # type: ignore[arg-type]  # mount targets have an app
                return
            elif target.kind == "redirect":
                app = _redirect(scope, target.location)
            elif target.kind == "options":
                app = Response(status_code=204, headers={"allow": target.allow})
            else:
                raise refuse(target, scope, path)
        except HTTPException as exc:  # 400, 404, 405, 426: nothing was sent yet
            if not await self.errors.respond(exc, scope, receive, send):
                raise
            return
        # Routes answer their own exceptions (see make_endpoint); route middleware is
        # wrapped in an ExceptionMiddleware when the app is built.
        await app(scope, receive, send)

    async def _to_mount(
        self, prefix: str, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        child = dict(scope)
        child["root_path"] = scope.get("root_path", "") + prefix
        await ExceptionMiddleware(app, self.errors)(child, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            path = route_path(scope)
        except BadRequest:
            await WebSocket(scope, receive, send).reject(400)
            return
        refused = self._cross_site(scope)
        if refused is not None:
            # Cross-site WebSocket hijacking: browsers send cookies with any handshake, and
            # WebSockets have no CORS; the Origin header is what tells (RFC 6455 §10.2).
            logger.warning("Refused a cross-site WebSocket handshake from %s to %s", refused, path)
            await WebSocket(scope, receive, send).reject(403)
            return
        target, params = self.table.resolve(path, WEBSOCKET)
        if target.kind == "route":
            scope["path_params"] = params
            await target.app(scope, receive, send)  # type: ignore[misc]  # route targets have an app
        elif target.kind == "mount":
            await self._to_mount(target.location, target.app, scope, receive, send)  # type: ignore[arg-type]  # mount targets have an app
        else:
            # No websocket route here: refuse the handshake (404 where the server can say so).
            await WebSocket(scope, receive, send).reject(404)

    def _cross_site(self, scope: Scope) -> str | None:
        """The foreign origin of a handshake that carries cookies, or ``None`` if it may go on.

        Handshakes without cookies (API clients, other servers) and without ``Origin``
        (non-browser clients) carry no ambient authority and are not checked.
        """
        origin: str | None = None
        host: str | None = None
        cookies = False
        for name, value in scope.get("headers", ()):
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"host":
                host = value.decode("latin-1")
            elif name == b"cookie":
                cookies = True
        if origin is None or not cookies:
            return None
        found = normalize_origin(origin)
        if host is not None and found == own_origin(scope, host):
            return None
        if found in self.trusted_origins:
            return None
        return origin


def _redirect(scope: Scope, path: str) -> Response:
    target = scope.get("root_path", "") + path
    query = scope.get("query_string", b"")
    if query:
        target += "?" + query.decode("latin-1")
    # 308 keeps the method and body (RFC 9110 §15.4.9), unlike 301.
    return RedirectResponse(target, status_code=308)
