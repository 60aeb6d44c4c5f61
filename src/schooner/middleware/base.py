"""Middleware declarations and how they are folded into one ASGI app, once.

Two forms are accepted, in any mix:

* ASGI middleware: a class called as ``cls(app, **options)`` — pass the class itself or
  ``Middleware(cls, **options)``;
* function middleware: ``async def mw(request, call_next) -> Response``.

The list is applied in declaration order: the first entry is the outermost layer, the
first to see the request and the last to see the response.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias, cast

from schooner.http.request import Request
from schooner.http.response import Response
from schooner.types import ASGIApp, Message, Receive, Scope, Send

CallNext: TypeAlias = Callable[[Request], Awaitable[Response]]
"""Calls the rest of the chain and returns its response (streamed, not buffered)."""

FunctionMiddleware: TypeAlias = Callable[[Request, CallNext], Awaitable[Response]]
"""``async def mw(request, call_next) -> Response``."""


class Middleware:
    """An ASGI middleware class with the options to build it with.

    Args:
        cls: called as ``cls(app, *args, **options)`` when the app is built.
        name: the name shown by ``schooner middleware`` and used by ``before``/``after``;
            defaults to the class name.
    """

    def __init__(
        self, cls: Callable[..., ASGIApp], /, *args: Any, name: str | None = None, **options: Any
    ) -> None:
        self.cls = cls
        self.args = args
        self.options = options
        self.name = name or getattr(cls, "__name__", repr(cls))

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """Build the middleware around ``app``."""
        return self.cls(app, *self.args, **self.options)

    def __repr__(self) -> str:
        return f"Middleware({self.name})"


def normalize(entry: Any) -> Middleware:
    """Turn any accepted middleware form into a :class:`Middleware`.

    Raises:
        TypeError: the entry is neither an ASGI middleware class nor an
            ``async (request, call_next)`` function.
    """
    if isinstance(entry, Middleware):
        return entry
    if inspect.isclass(entry):
        return Middleware(cast("Callable[..., ASGIApp]", entry))
    if inspect.iscoroutinefunction(entry) and len(inspect.signature(entry).parameters) == 2:
        return Middleware(FunctionMiddlewareAdapter, entry, name=getattr(entry, "__qualname__", "mw"))
    raise TypeError(
        f"{entry!r} is not middleware: pass an ASGI middleware class, Middleware(cls, **options), "
        "or an 'async def mw(request, call_next)' function."
    )


def build_stack(app: ASGIApp, middleware: Sequence[Middleware]) -> ASGIApp:
    """Wrap ``app`` so that ``middleware[0]`` is outermost."""
    for entry in reversed(middleware):
        app = entry.wrap(app)
    return app


class _StreamedResponse(Response):
    """The response of ``call_next``: status and headers known, body still streaming."""

    def __init__(self, start: Message, queue: asyncio.Queue[Message | BaseException | None]) -> None:
        super().__init__(b"", start["status"])
        self._raw[:] = list(start.get("headers", []))
        self._queue = queue

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(self.start_message(scope))
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            await send(item)
            if not item.get("more_body", False):
                return


class FunctionMiddlewareAdapter:
    """Runs an ``async (request, call_next)`` function as ASGI middleware.

    ``call_next`` runs the inner app in a task and returns as soon as the response starts;
    the body is relayed chunk by chunk, so streaming responses stay streaming. An exception
    raised by the inner app before it starts responding is raised from ``call_next``.
    """

    def __init__(self, app: ASGIApp, func: FunctionMiddleware) -> None:
        self.app = app
        self.func = func

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        tasks: list[asyncio.Task[None]] = []

        async def call_next(req: Request) -> Response:
            queue: asyncio.Queue[Message | BaseException | None] = asyncio.Queue(maxsize=1)
            started: asyncio.Future[Message] = asyncio.get_running_loop().create_future()

            async def inner_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    started.set_result(message)
                else:
                    await queue.put(message)

            async def run() -> None:
                try:
                    await self.app(scope, req.replay_receive(), inner_send)
                except BaseException as exc:
                    if not started.done():
                        started.set_exception(exc)
                    else:
                        await queue.put(exc)
                    return
                if not started.done():
                    started.set_exception(RuntimeError("The app returned without a response."))
                else:
                    await queue.put(None)

            task = asyncio.create_task(run())
            tasks.append(task)
            start = await started
            return _StreamedResponse(start, queue)

        try:
            response = await self.func(request, call_next)
            await response(scope, receive, send)
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
