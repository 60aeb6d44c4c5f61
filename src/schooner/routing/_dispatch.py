"""The routing ASGI app: decode the path, find the route, answer 404/405/308/OPTIONS."""

from __future__ import annotations

from functools import partial
from typing import Literal

from schooner.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from schooner.http._sansio.query import DecodeError, decode_component
from schooner.http.response import RedirectResponse, Response
from schooner.middleware.errors import ExceptionHandlers, ExceptionMiddleware
from schooner.routing._matcher import Matcher
from schooner.routing.route import WEBSOCKET
from schooner.types import ASGIApp, Receive, Scope, Send
from schooner.websockets import WebSocket

TrailingSlash = Literal["redirect", "strict", "ignore"]


def route_path(scope: Scope) -> str:
    """The decoded path relative to ``root_path``.

    The raw path is decoded strictly so bad percent-encoding or non-UTF-8 is a 400, not a
    guess (servers decode leniently, replacing what they cannot read).

    Raises:
        BadRequest: the path is not valid percent-encoded UTF-8.
    """
    raw = scope.get("raw_path")
    if raw and b"%" in raw:
        try:
            path = decode_component(raw.split(b"?", 1)[0])
        except DecodeError as exc:
            raise BadRequest(detail=f"Malformed request path: {exc}.")
    else:
        path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return str(path)


class Dispatcher:
    """Routes one request through a compiled :class:`Matcher`.

    Args:
        matcher: the compiled routes and mounts.
        trailing_slash: ``"redirect"`` (308 to the declared form), ``"strict"`` (404) or
            ``"ignore"`` (serve both forms).
    """

    def __init__(
        self,
        matcher: Matcher,
        *,
        trailing_slash: TrailingSlash,
        errors: ExceptionHandlers | None = None,
    ) -> None:
        self.matcher = matcher
        self.trailing_slash = trailing_slash
        self.errors = errors if errors is not None else ExceptionHandlers({})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            try:
                path = route_path(scope)
            except BadRequest:
                await WebSocket(scope, receive, send).reject(400)
                return
            await self._websocket(scope, receive, send, path)
            return
        try:
            handler = self._select(scope)
        except HTTPException as exc:  # 400, 404, 405, 426: nothing was sent yet
            if not await self.errors.respond(exc, scope, receive, send):
                raise
            return
        # Routes answer their own exceptions (see make_endpoint); route middleware is
        # wrapped in an ExceptionMiddleware when the app is built.
        await handler(scope, receive, send)

    def _select(self, scope: Scope) -> ASGIApp:
        """The app that answers this request: a route, a mount, a redirect or an
        ``OPTIONS`` answer.

        Raises:
            HTTPException: 400 (malformed path), 404, 405 or 426 (a WebSocket-only path).
        """
        path = route_path(scope)
        found = self.matcher.match(path)
        if found is None:
            mount = self.matcher.match_mount(path)
            if mount is not None:
                return partial(self._to_mount, *mount)
            if self.trailing_slash != "strict" and path != "/":
                alternate = path[:-1] if path.endswith("/") else path + "/"
                other = self.matcher.match(alternate)
                if other is not None:
                    if self.trailing_slash == "redirect":
                        return self._redirect(scope, alternate)
                    found = other
            if found is None:
                raise NotFound(detail=f"No route matches '{path}'.")
        entry, params = found
        method = scope["method"]
        handler = entry.handlers.get(method)
        if handler is None:
            if entry.allow == "OPTIONS":  # a websocket-only path (RFC 9110 §15.5.22)
                raise HTTPException(
                    426,
                    detail=f"'{path}' is a WebSocket endpoint.",
                    headers={"Upgrade": "websocket", "Connection": "Upgrade"},
                )
            if method == "HEAD":
                method = "GET"
                handler = entry.handlers.get(method)
            elif method == "OPTIONS":
                return Response(status_code=204, headers={"allow": entry.allow})
            if handler is None:
                raise MethodNotAllowed(
                    entry.allow.split(", "),
                    detail=f"{scope['method']} is not allowed on '{path}'.",
                )
        if entry.renames and method in entry.renames:
            names = entry.renames[method]
            params = {names[name]: value for name, value in params.items()}
        scope["path_params"] = params
        return handler

    async def _to_mount(
        self, prefix: str, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        child = dict(scope)
        child["root_path"] = scope.get("root_path", "") + prefix
        await ExceptionMiddleware(app, self.errors)(child, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        found = self.matcher.match(path)
        if found is not None and WEBSOCKET in found[0].handlers:
            entry, params = found
            names = entry.renames.get(WEBSOCKET)
            scope["path_params"] = {names[k]: v for k, v in params.items()} if names else params
            await entry.handlers[WEBSOCKET](scope, receive, send)
            return
        mount = self.matcher.match_mount(path)
        if mount is not None:
            await self._to_mount(*mount, scope, receive, send)
            return
        # No websocket route here: refuse the handshake (404 where the server can say so).
        await WebSocket(scope, receive, send).reject(404)

    def _redirect(self, scope: Scope, path: str) -> Response:
        target = scope.get("root_path", "") + path
        query = scope.get("query_string", b"")
        if query:
            target += "?" + query.decode("latin-1")
        # 308 keeps the method and body (RFC 9110 §15.4.9), unlike 301.
        return RedirectResponse(target, status_code=308)
