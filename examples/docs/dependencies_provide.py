"""``app.provide(Type, provider)``: inject by type, without ``Inject`` at every use."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from schooner import App


class Clock:
    """A service every handler may ask for (a mailer, a storage client, ...)."""

    def __init__(self) -> None:
        self.ticks = itertools.count(1)

    def tick(self) -> int:
        return next(self.ticks)


class RequestLog:
    """Something made fresh for every request."""

    def __init__(self) -> None:
        self.lines: list[str] = []


def make_clock() -> Clock:
    """Called once for the life of the app (scope="app")."""
    return Clock()


def make_log() -> Iterator[RequestLog]:
    """Called once per request; a generator may clean up after the response."""
    yield RequestLog()


app = App()
app.provide(Clock, make_clock, scope="app")
app.provide(RequestLog, make_log)


@app.get("/tick")
async def tick(clock: Clock, log: RequestLog) -> dict[str, object]:
    """A parameter annotated with a provided type is injected: no marker needed."""
    log.lines.append("ticked")
    return {"tick": clock.tick(), "log": log.lines}
