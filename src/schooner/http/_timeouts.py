"""The request body timeout: a client that stalls or dribbles its body gets a 408.

Arming a timer for every body read costs about 4 µs per request with uvloop (measured), and
most bodies are already there when they are read: they came in the same packets as the
headers. So no read arms a timer: a read registers its task with the event loop's
:class:`BodyWatch` (two dict operations), and one timer per loop, running only while reads
are registered, cancels the reads past their deadline, which the read turns into a 408.
A body read whole (JSON, forms: ``read_body``) registers once for the whole body; a
streamed body (uploads: :func:`receive_within`) registers for each chunk.
"""

from __future__ import annotations

import asyncio
from typing import Any

from schooner.exceptions import HTTPException
from schooner.types import Message, Receive, Scope

DEFAULT_BODY_TIMEOUT = 30.0
"""Seconds, when the scope has no Schooner app whose settings say otherwise."""


def body_timeout(scope: Scope) -> float:
    """The app's ``body_timeout`` setting; :data:`DEFAULT_BODY_TIMEOUT` outside an app."""
    settings = getattr(scope.get("app"), "settings", None)
    timeout = getattr(settings, "body_timeout", DEFAULT_BODY_TIMEOUT)
    return float(timeout) if isinstance(timeout, int | float) else DEFAULT_BODY_TIMEOUT


async def receive_within(scope: Scope, receive: Receive) -> Message:
    """``await receive()``, giving up with a 408 after the app's ``body_timeout``.

    For each chunk of a streamed body; ``read_body`` does the same around a whole body, inline
    (it is on every JSON request's path).

    Raises:
        HTTPException: 408 Request Timeout, with ``Connection: close`` (RFC 9110 §15.5.9:
            the server closes the connection rather than wait for the rest).
    """
    task = asyncio.current_task()
    if task is None:  # not in a task: nothing the watch could cancel
        return await receive()
    watch = body_watch()
    watch.reads[task] = (watch.ticks, scope)
    if watch.timer is None:
        watch.start()
    try:
        return await receive()
    except asyncio.CancelledError:
        # Cancelled by the watch alone (uncancel leaves nothing pending): the client is slow.
        if watch.timed_out(task) and task.uncancel() == 0:
            raise timed_out(body_timeout(scope)) from None
        raise
    finally:
        watch.reads.pop(task, None)


TICK = 0.1
"""Seconds between two sweeps of a :class:`BodyWatch` (while reads are registered)."""


def timed_out(timeout: float) -> HTTPException:
    """The 408 for a body that did not arrive within ``timeout`` seconds."""
    return HTTPException(
        408,
        detail=f"The request body did not arrive within {timeout:g} seconds.",
        headers={"Connection": "close"},
    )


class BodyWatch:
    """The whole-body reads of one event loop, and the timer that ends the stalled ones.

    A read registers its task (``watch.reads[task] = (watch.ticks, scope)``) for the whole
    read and removes it when done. While any read is registered, a sweep every
    :data:`TICK` seconds works out each new read's deadline from its app's
    ``body_timeout`` — off the request's path — and cancels the tasks past it, remembering
    them in ``expired`` so the read can tell that cancellation (a 408) from any other.
    """

    __slots__ = ("deadlines", "expired", "loop", "reads", "ticks", "timer")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.reads: dict[asyncio.Task[Any], tuple[int, Scope]] = {}  # task -> (tick, scope)
        # task -> (the tick its read started, its deadline): a task that reads again (the
        # next chunk, the next request on the same task) starts again, with a new deadline.
        self.deadlines: dict[asyncio.Task[Any], tuple[int, int]] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self.ticks = 0
        self.timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Start sweeping (a read registered while no sweep was due)."""
        if self.timer is None:
            self.timer = self.loop.call_later(TICK, self._sweep)

    def timed_out(self, task: asyncio.Task[Any]) -> bool:
        """Whether ``task`` was cancelled by this watch (and forget that it was)."""
        if task in self.expired:
            self.expired.discard(task)
            return True
        return False

    def _sweep(self) -> None:
        self.ticks += 1
        deadlines = self.deadlines
        for task in [t for t in deadlines if t not in self.reads]:
            del deadlines[task]  # finished reads
        for task, (start, scope) in list(self.reads.items()):
            known = deadlines.get(task)
            if known is None or known[0] != start:
                known = deadlines[task] = (start, start + int(body_timeout(scope) / TICK) + 1)
            if known[1] <= self.ticks:
                del self.reads[task]
                del deadlines[task]
                self.expired.add(task)
                task.cancel()
        self.timer = self.loop.call_later(TICK, self._sweep) if self.reads else None


_current: BodyWatch | None = None


def body_watch() -> BodyWatch:
    """The running event loop's :class:`BodyWatch` (one loop per process is the rule; the
    last one is kept, a new loop gets a new watch)."""
    global _current
    loop = asyncio.get_running_loop()
    watch = _current
    if watch is None or watch.loop is not loop:
        watch = _current = BodyWatch(loop)
    return watch
