"""Middleware in both forms, and the order they run in: the order they are declared."""

from __future__ import annotations

import time

from schooner import App, Middleware, Request, Response, Router
from schooner.middleware import CallNext
from schooner.types import ASGIApp, Message, Receive, Scope, Send


def note(scope: Scope, label: str) -> None:
    """Record that ``label`` saw the request (the handler returns the list)."""
    scope.setdefault("state", {}).setdefault("seen", []).append(label)


class StampMiddleware:
    """ASGI middleware: a class built as ``cls(app, **options)``, called per connection."""

    def __init__(self, app: ASGIApp, *, label: str) -> None:
        self.app = app
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and websocket events pass straight through
            await self.app(scope, receive, send)
            return
        note(scope, self.label)

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-stamp", self.label.encode())]
            await send(message)

        await self.app(scope, receive, stamped)


async def server_timing(request: Request, call_next: CallNext) -> Response:
    """Function middleware: gets the request, calls the rest of the chain, edits the response."""
    note(request.scope, "server_timing")
    start = time.perf_counter()
    response = await call_next(request)
    elapsed = (time.perf_counter() - start) * 1000
    response.headers["server-timing"] = f"app;dur={elapsed:.2f}"
    return response


app = App(
    middleware=[
        Middleware(StampMiddleware, label="outer", name="outer"),  # first: outermost
        server_timing,
    ]
)
# Added later: the innermost app-level layer so far.
app.add_middleware(Middleware(StampMiddleware, label="inner", name="inner"))

api = Router(prefix="/api", middleware=[Middleware(StampMiddleware, label="api", name="api")])


@api.get("/ships/{ship_id:int}")
async def get_ship(ship_id: int, request: Request) -> dict[str, object]:
    """Report which layers saw the request on its way in."""
    return {"ship_id": ship_id, "seen": request.state.seen}


app.include(api)


@app.get("/")
async def index(request: Request) -> list[str]:
    """Outside the router: only app-level middleware applies."""
    seen: list[str] = request.state.seen
    return seen
