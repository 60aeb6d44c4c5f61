"""The server side of the ASGI lifespan protocol, for the test clients.

An ASGI server calls the app once with a ``lifespan`` scope and talks to it through
``receive``/``send``: it sends ``lifespan.startup``, waits for ``lifespan.startup.complete``
(or ``.failed``), serves requests, then sends ``lifespan.shutdown`` and waits for
``lifespan.shutdown.complete`` (https://asgi.readthedocs.io/en/latest/specs/lifespan.html).
:class:`LifespanManager` plays that server role on the running asyncio loop, and its
:meth:`~LifespanManager.app` gives every request a shallow copy of the lifespan ``state``, as
uvicorn does.
"""

from __future__ import annotations

import asyncio
from typing import Any

from schooner.types import ASGIApp, Message, Receive, Scope, Send


class LifespanManager:
    """Run one app's lifespan protocol and hand the lifespan state to each request.

    An app that finishes (returns or raises) before asking for its first lifespan event does
    not support the protocol; like uvicorn's ``lifespan="auto"``, that is tolerated and
    startup and shutdown do nothing. Once the app has asked for ``lifespan.startup``, an
    exception it raises propagates, so a crash in startup code fails the test loudly.

    Args:
        app: the ASGI application under test.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self.state: dict[str, Any] = {}
        self._task: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        # ``None`` marks the end of the app's lifespan call.
        self._from_app: asyncio.Queue[Message | None] = asyncio.Queue()
        self._app_has_received = False

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the app for one request, with ``scope["state"]`` copied from the lifespan state."""
        # A shallow copy, as the ASGI spec asks: a request may add keys to its own state
        # without other requests seeing them, while objects set up at startup stay shared.
        scope["state"] = self.state.copy()
        await self._app(scope, receive, send)

    @property
    def running(self) -> bool:
        """Whether startup has completed and shutdown has not run yet."""
        return self._task is not None and not self._task.done()

    async def startup(self) -> None:
        """Send ``lifespan.startup`` and wait until the app has started.

        Raises:
            RuntimeError: the app sent ``lifespan.startup.failed`` (the message is the app's),
                sent an unexpected event, or returned without answering.
            Exception: whatever the app raised while starting up.
        """
        scope: Scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        self._to_app.put_nowait({"type": "lifespan.startup"})
        self._task = asyncio.create_task(self._run(scope))
        await self._expect("startup")

    async def shutdown(self) -> None:
        """Send ``lifespan.shutdown`` and wait until the app has shut down.

        Does nothing unless :attr:`running`.

        Raises:
            RuntimeError: the app sent ``lifespan.shutdown.failed`` (the message is the app's),
                sent an unexpected event, or returned without answering.
            Exception: whatever the app raised while shutting down.
        """
        if not self.running:
            return
        self._to_app.put_nowait({"type": "lifespan.shutdown"})
        await self._expect("shutdown")
        error = await self._stop()
        if error is not None:
            raise error

    async def _run(self, scope: Scope) -> None:
        try:
            await self._app(scope, self._receive, self._send)
        finally:
            self._from_app.put_nowait(None)

    async def _receive(self) -> Message:
        self._app_has_received = True
        return await self._to_app.get()

    async def _send(self, message: Message) -> None:
        self._from_app.put_nowait(message)

    async def _expect(self, phase: str) -> None:
        """Wait for the app's answer to ``lifespan.<phase>`` and raise if it is not success."""
        message = await self._from_app.get()
        if message is None:  # the app's lifespan call ended without answering
            error = await self._stop()
            if not self._app_has_received:
                return  # lifespan is not supported: carry on without it
            if error is not None:
                raise error
            raise RuntimeError(
                f"The app's lifespan handler returned without sending 'lifespan.{phase}.complete'."
            )
        if message["type"] == f"lifespan.{phase}.complete":
            return
        error = await self._stop()
        if message["type"] == f"lifespan.{phase}.failed":
            reason = message.get("message") or "no message given"
            raise RuntimeError(f"Lifespan {phase} failed: {reason}") from error
        raise RuntimeError(
            f"The app sent {message['type']!r} during lifespan {phase}; "
            f"expected 'lifespan.{phase}.complete' or 'lifespan.{phase}.failed'."
        ) from error

    async def _stop(self) -> BaseException | None:
        """End the app's lifespan call (cancelling it if still running); return its error."""
        task = self._task
        if task is None:  # pragma: no cover - only called after startup created the task
            return None
        if not task.done():
            task.cancel()
        await asyncio.wait({task})
        return None if task.cancelled() else task.exception()
