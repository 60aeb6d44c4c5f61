"""The counter app of the locking tests: handlers that read a counter, pause, and write it
back, through ``get_for_update`` (locked) or a plain read (naive)."""
# No "from __future__ import annotations": the handlers' annotations are read at startup.

import asyncio
from typing import Any

from schooner.contrib.orm import AsyncSession, get_for_update, get_or_404

from .conftest import AppFactory
from .models import Counter


def counter_app(url: str, make_app: AppFactory, *, naive_pause: float, locked_pause: float) -> Any:
    """The app; each request waits ``naive_pause`` / ``locked_pause`` seconds between its
    read and its write, so that concurrent requests are inside that window together."""
    app, _ = make_app(url)

    @app.post("/counters", status_code=201)
    async def add(session: AsyncSession) -> Counter:
        counter = Counter(value=0)
        session.add(counter)
        await session.flush()
        return counter

    @app.post("/counters/{counter_id:int}/naive")
    async def naive(counter_id: int, session: AsyncSession) -> None:
        counter = await get_or_404(session, Counter, counter_id)
        await asyncio.sleep(naive_pause)
        counter.value += 1

    @app.post("/counters/{counter_id:int}/locked")
    async def locked(counter_id: int, session: AsyncSession) -> None:
        counter = await get_for_update(session, Counter, counter_id)
        await asyncio.sleep(locked_pause)
        counter.value += 1

    @app.get("/counters/{counter_id:int}")
    async def read(counter_id: int, session: AsyncSession) -> Counter:
        return await get_or_404(session, Counter, counter_id)

    return app
