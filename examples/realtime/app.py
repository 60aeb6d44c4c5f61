"""Realtime: a WebSocket echo, a broadcast chat room and a Server-Sent Events clock.

Run it with ``schooner run examples/realtime/app.py``, then for example::

    python -m websockets ws://127.0.0.1:8000/echo
    python -m websockets ws://127.0.0.1:8000/rooms/lobby?name=ada
    curl -N http://127.0.0.1:8000/clock

The hub below keeps its members in this process's memory: with several worker processes or
instances, members of one room would need a shared channel (e.g. Redis pub/sub).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec

from schooner import App, Header, HTTPException, Inject, Query, Settings
from schooner.http import EventSourceResponse, ServerSentEvent
from schooner.websockets import WebSocket, WebSocketDisconnect


class Say(msgspec.Struct):
    """What a chat member sends."""

    text: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class Said(msgspec.Struct):
    """What every member of the room receives."""

    room: str
    name: str
    text: str


# --8<-- [start:hub]
class Hub:
    """The members of each room, and fan-out of messages to them."""

    def __init__(self) -> None:
        self.rooms: defaultdict[str, set[WebSocket]] = defaultdict(set)

    async def broadcast(self, room: str, message: Said) -> None:
        """Send ``message`` to every member of ``room``; members that left are dropped."""
        members = list(self.rooms[room])
        results = await asyncio.gather(
            *(member.send_json(message) for member in members), return_exceptions=True
        )
        for member, result in zip(members, results, strict=True):
            if isinstance(result, WebSocketDisconnect):
                self.rooms[room].discard(member)


async def hub() -> AsyncIterator[Hub]:
    """One hub for the whole app (an app-scoped dependency)."""
    yield Hub()


# --8<-- [end:hub]


# Settings come from SCHOONER_* variables (and .env/schooner.toml), read explicitly: in
# production the app refuses to start without a strong secret key and allowed host names.
app = App(settings=Settings.load())


# --8<-- [start:echo]
@app.websocket("/echo")
async def echo(ws: WebSocket) -> None:
    """Send every text message straight back."""
    await ws.accept()
    async for text in ws.iter_text():
        await ws.send_text(text)


# --8<-- [end:echo]


# --8<-- [start:chat]
@app.websocket("/rooms/{room:slug}")
async def chat(
    ws: WebSocket,
    room: str,
    name: Annotated[str, Query(min_length=1, max_length=30)],
    rooms: Annotated[Hub, Inject(hub, scope="app")],
) -> None:
    """Join ``room`` as ``name``; every message is validated and sent to all members."""
    if name == "admin":
        raise HTTPException(403, "That name is reserved.")  # refused at the handshake
    await ws.accept()
    rooms.rooms[room].add(ws)
    try:
        await rooms.broadcast(room, Said(room, "*", f"{name} joined"))
        async for said in ws.iter_json(Say):
            await rooms.broadcast(room, Said(room, name, said.text))
    finally:
        rooms.rooms[room].discard(ws)
        await rooms.broadcast(room, Said(room, "*", f"{name} left"))


# --8<-- [end:chat]


@app.get("/rooms/{room:slug}/members")
async def members(room: str, rooms: Annotated[Hub, Inject(hub, scope="app")]) -> dict[str, int]:
    """How many members a room has right now."""
    return {"members": len(rooms.rooms[room])}


class Streams:
    """How many event streams are open now and how many have ended (for the demo page)."""

    def __init__(self) -> None:
        self.open = 0
        self.closed = 0


async def streams() -> AsyncIterator[Streams]:
    """One counter for the whole app."""
    yield Streams()


# --8<-- [start:clock]
@app.get("/clock")
async def clock(
    counter: Annotated[Streams, Inject(streams, scope="app")],
    interval: Annotated[float, Query(ge=0.1, le=60)] = 1.0,
    last_id: Annotated[int, Header(alias="last-event-id")] = 0,
) -> EventSourceResponse:
    """Send a numbered tick every ``interval`` seconds until the client disconnects.

    ``interval`` is bounded (0.1 to 60 seconds): a client-chosen delay without a floor,
    such as ``1e-6``, would turn each stream into a busy loop. A browser that reconnects
    sends ``Last-Event-ID`` and the count resumes from there.
    """

    async def ticks() -> AsyncIterator[ServerSentEvent]:
        counter.open += 1
        try:
            n = last_id
            while True:
                n += 1
                yield ServerSentEvent({"tick": n}, event="tick", id=str(n))
                await asyncio.sleep(interval)
        finally:  # runs as soon as the client goes away
            counter.open -= 1
            counter.closed += 1

    return EventSourceResponse(ticks(), retry=2000)


# --8<-- [end:clock]


@app.get("/clock/stats")
async def clock_stats(counter: Annotated[Streams, Inject(streams, scope="app")]) -> dict[str, int]:
    """Open and finished event streams."""
    return {"open": counter.open, "closed": counter.closed}
