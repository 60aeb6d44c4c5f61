"""Startup and shutdown: hooks, and lifespan context managers whose values reach requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from schooner import App, Request


class Pool:
    """Stands in for a connection pool opened at startup."""

    def __init__(self) -> None:
        self.open = True

    async def close(self) -> None:
        self.open = False


@asynccontextmanager
async def database(app: App) -> AsyncIterator[dict[str, Any]]:
    """Open the pool before the first request; close it after the last one."""
    pool = Pool()
    print("lifespan: pool opened")
    try:
        yield {"pool": pool}  # joins the state every request starts with
    finally:
        await pool.close()
        print("lifespan: pool closed")


def load_fixtures() -> None:
    """A sync hook: runs in the thread pool."""
    print("startup: fixtures loaded")


app = App(lifespan=[database], on_startup=[load_fixtures])


@app.on_startup
async def warm_cache() -> None:
    """Hooks run in the order they were declared."""
    print("startup: cache warmed")


@app.on_shutdown
async def flush_metrics() -> None:
    """Shutdown hooks also run in declaration order, before lifespans exit."""
    print("shutdown: metrics flushed")


@app.get("/pool")
async def pool_status(request: Request) -> dict[str, bool]:
    """``request.state`` holds what the lifespan yielded."""
    pool: Pool = request.state.pool
    return {"open": pool.open}
