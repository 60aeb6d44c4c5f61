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
            defaults to the class name. It is not passed to ``cls``.
    """

    def __init__(
        self, cls: Callable[..., ASGIApp], /, *args: Any, name: str | None = None, **options: Any
    ) -> None:
        self.cls = cls
        self.args = args
        self.options = options
        self.name: str = name or str(getattr(cls, "__name__", repr(cls)))

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
        return Middleware(
            FunctionMiddlewareAdapter, entry, name=getattr(entry, "__qualname__", "mw")
        )
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

    def __init__(
        self, start: Message, queue: asyncio.Queue[Message | BaseException | None]
    ) -> None:
        super().__init__(b"", start["status"])
        self._raw[:] = list(start.get("headers", []))
        self._queue = queue
        self.relayed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(self.start_message(scope))
        while True:
            item = await self._queue.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            await send(item)
            self._queue.task_done()  # releases the inner app's send (back-pressure)
            if not item.get("more_body", False):
                break
        self.relayed = True


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
        calls: list[tuple[asyncio.Task[None], _StreamedResponse | None]] = []

        async def call_next(req: Request) -> Response:
            queue: asyncio.Queue[Message | BaseException | None] = asyncio.Queue(maxsize=1)
            started: asyncio.Future[Message] = asyncio.get_running_loop().create_future()

            async def inner_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    started.set_result(message)
                else:
                    # Return only once the message went out, so the inner app's "after the
                    # response is sent" (dependency cleanups) really is after it.
                    await queue.put(message)
                    await queue.join()

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
            calls.append((task, None))
            streamed = _StreamedResponse(await started, queue)
            calls[-1] = (task, streamed)
            return streamed

        try:
            response = await self.func(request, call_next)
            await response(scope, receive, send)
        except BaseException:
            for task, _ in calls:
                task.cancel()
            raise
        for task, streamed in calls:
            if streamed is not None and streamed.relayed:
                # The inner app sent its whole response; let it finish its cleanups
                # (dependency teardown runs after the response).
                await task
            elif not task.done():
                # The middleware answered with something else: the inner app is waiting
                # to hand over a body nobody will read.
                task.cancel()
