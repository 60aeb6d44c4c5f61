"""``SessionMiddleware``: a lazily loaded session per connection, saved when the response starts."""

from __future__ import annotations

from schooner.contrib.sessions._backends import SessionBackend
from schooner.contrib.sessions._cookie import SessionCookie
from schooner.contrib.sessions._state import SCOPE_KEY, SessionState
from schooner.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SessionMiddleware"]


class SessionMiddleware:
    """Attach a lazily loaded session to each connection; save it when the response starts.

    Args:
        app: the inner app.
        cookie: the app's session cookie (signing, attributes).
        backend: where session data lives.
    """

    def __init__(self, app: ASGIApp, *, cookie: SessionCookie, backend: SessionBackend) -> None:
        self.app = app
        self.cookie = cookie
        self.backend = backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection with its session available to dependencies."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = SessionState(self.cookie, self.backend, self.cookie.read(scope))
        scope[SCOPE_KEY] = state
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)  # read-only: a handshake sets no cookie
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.used:
                header = await state.commit(scope)
                headers = list(message.get("headers", ()))
                # The response depends on the session: shared caches must not mix visitors.
                headers.append((b"vary", b"Cookie"))
                if header is not None:
                    headers.append((b"set-cookie", header))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)
