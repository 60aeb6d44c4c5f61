"""Schooner with raw SQL: an asyncpg pool as an app-scoped dependency.

Served by uvicorn with uvloop and httptools, as ``schooner run`` does in production.
TechEmpower allows raw SQL; ``schooner_orm`` is the ORM variant of the same tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
from _common import DSN, EXTRA_FORTUNE, POOL_SIZE, query_count, random_id, random_ids
from _schooner_common import production_app, router

from schooner.contrib.templates import TemplateResponse

SELECT = "SELECT id, randomnumber FROM world WHERE id = $1"
UPDATE = "UPDATE world SET randomnumber = $2 WHERE id = $1"


async def database() -> AsyncIterator[asyncpg.Pool]:
    """One pool for the life of the app, closed at shutdown."""
    pool = await asyncpg.create_pool(DSN, min_size=1, max_size=POOL_SIZE)
    try:
        yield pool
    finally:
        await pool.close()


app = production_app()
app.provide(asyncpg.Pool, database, scope="app")
app.include(router)


@app.get("/db")
async def db(pool: asyncpg.Pool) -> dict[str, int]:
    """One random row."""
    row = await pool.fetchrow(SELECT, random_id())
    return {"id": row["id"], "randomNumber": row["randomnumber"]}


@app.get("/queries")
async def queries(pool: asyncpg.Pool, queries: str | None = None) -> list[dict[str, int]]:
    """``queries`` rows, one query each."""
    async with pool.acquire() as conn:
        rows = [await conn.fetchrow(SELECT, random_id()) for _ in range(query_count(queries))]
    return [{"id": row["id"], "randomNumber": row["randomnumber"]} for row in rows]


@app.get("/updates")
async def updates(pool: asyncpg.Pool, queries: str | None = None) -> list[dict[str, int]]:
    """``queries`` rows read, given new random numbers and written back."""
    async with pool.acquire() as conn:
        worlds = []
        for world_id in random_ids(query_count(queries)):
            row = await conn.fetchrow(SELECT, world_id)
            worlds.append({"id": row["id"], "randomNumber": random_id()})
        await conn.executemany(UPDATE, [(w["id"], w["randomNumber"]) for w in worlds])
    return worlds


@app.get("/fortunes")
async def fortunes(pool: asyncpg.Pool) -> TemplateResponse:
    """Every fortune plus one, sorted by message, rendered with escaping."""
    rows = [(row["id"], row["message"]) for row in await pool.fetch("SELECT * FROM fortune")]
    rows.append((0, EXTRA_FORTUNE))
    rows.sort(key=lambda row: row[1])
    return TemplateResponse(
        "fortunes.html", {"fortunes": [{"id": fid, "message": msg} for fid, msg in rows]}
    )
