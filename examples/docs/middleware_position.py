"""Placing middleware relative to a named layer with ``add_middleware(before=/after=)``."""

from __future__ import annotations

from schooner import App, Middleware, Request, Response
from schooner.middleware import CallNext
from schooner.types import ASGIApp, Receive, Scope, Send


async def request_id(request: Request, call_next: CallNext) -> Response:
    """Echo the client's request id (named ``request_id``, after the function)."""
    response = await call_next(request)
    response.headers["x-request-id"] = request.headers.get("x-request-id", "none")
    return response


async def sessions(request: Request, call_next: CallNext) -> Response:
    """Stands in for a session layer a component adds."""
    return await call_next(request)


async def auth(request: Request, call_next: CallNext) -> Response:
    """Needs the session, so it must sit inside ``sessions``."""
    return await call_next(request)


class Compression:
    """An ASGI class that must wrap every other layer, so it sees the final body."""

    def __init__(self, app: ASGIApp, *, level: int = 6) -> None:
        self.app = app
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)  # a real one would compress the body here


app = App(middleware=[request_id])
app.add_middleware(auth, after="sessions")  # declared before its anchor: resolved at build
app.add_middleware(sessions)
app.add_middleware(Middleware(Compression, level=9), before="request_id")


@app.get("/")
async def index() -> dict[str, bool]:
    """Any route; ``schooner middleware`` shows the resolved order."""
    return {"ok": True}
