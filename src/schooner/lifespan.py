"""The ASGI lifespan protocol: startup hooks, lifespan context managers, shutdown hooks.

Hooks run in the order they were declared, on startup *and* on shutdown; lifespan context
managers are entered in order and, as context managers do, exited in reverse. A failing
startup reports ``lifespan.startup.failed`` with the error, so the server stops with a clear
message instead of serving a half-started app.

Schooner apps mounted into an app are whole apps: their lifespans run inside their parent's,
after the parent has started and in mount order, and stop before the parent's shutdown
hooks; a mounted app that fails to start fails its parent's startup with the same message.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias

from schooner.concurrency import run_sync
from schooner.types import Receive, Scope, Send

logger = logging.getLogger("schooner.lifespan")

Hook: TypeAlias = Callable[[], Awaitable[None] | None]
"""A startup or shutdown hook: a sync or async function without parameters."""

LifespanFactory: TypeAlias = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]
"""``lifespan(app)`` returning an async context manager; what it yields joins ``state``."""

Children: TypeAlias = Callable[[], list[tuple[str, "Lifespan"]]]
"""The lifespans of the apps mounted into an app, with their mount prefixes."""


async def run_hook(hook: Hook) -> None:
    """Run one hook; sync hooks run in the thread pool."""
    if inspect.iscoroutinefunction(hook):
        await hook()
    else:
        result = await run_sync(hook)
        if inspect.isawaitable(result):
            await result


class Lifespan:
    """Runs an app's startup and shutdown.

    Args:
        app: passed to each lifespan factory.
        prepare: called first on startup (the app builds its routes there).
        on_startup, on_shutdown, factories: the declared hooks and context managers.
        close: called last on shutdown (closes app-scoped providers).
    """

    def __init__(
        self,
        app: Any,
        *,
        prepare: Callable[[], None],
        on_startup: list[Hook],
        on_shutdown: list[Hook],
        factories: list[LifespanFactory],
        close: Callable[[], Awaitable[None]],
        children: Children | None = None,
    ) -> None:
        self.app = app
        self.prepare = prepare
        self.on_startup = on_startup
        self.on_shutdown = on_shutdown
        self.factories = factories
        self.close = close
        self.children = children

    @contextlib.asynccontextmanager
    async def running(self, state: dict[str, Any]) -> AsyncIterator[None]:
        """Start everything, yield while the app serves, then shut down."""
        self.prepare()
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(self.close)
            for hook in self.on_startup:
                await run_hook(hook)
            for factory in self.factories:
                values = await stack.enter_async_context(factory(self.app))
                if values:
                    state.update(values)
            async with contextlib.AsyncExitStack() as mounted:
                for prefix, child in self.children() if self.children is not None else ():
                    try:
                        await mounted.enter_async_context(child.running(state))
                    except Exception as exc:
                        exc.add_note(f"(starting the app mounted at '{prefix}')")
                        raise
                yield
            for hook in self.on_shutdown:
                await run_hook(hook)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Speak the ASGI lifespan protocol."""
        message = await receive()
        if message["type"] != "lifespan.startup":  # pragma: no cover - servers always start first
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        running = self.running(state)
        try:
            await running.__aenter__()
        except BaseException as exc:
            logger.exception("Application startup failed")
            await send({"type": "lifespan.startup.failed", "message": _describe(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        try:
            await running.__aexit__(None, None, None)
        except BaseException as exc:
            logger.exception("Application shutdown failed")
            await send({"type": "lifespan.shutdown.failed", "message": _describe(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})


def _describe(exc: BaseException) -> str:
    notes = " ".join(getattr(exc, "__notes__", ()))
    return f"{type(exc).__name__}: {exc}" + (f" {notes}" if notes else "")
