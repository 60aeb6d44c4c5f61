"""Schooner through its ORM battery, ``schooner.contrib.orm`` (SQLAlchemy 2, asyncpg).

One session per request, injected by annotation; models are returned as they are and sent
through their wire schema. The tests without a database are the same as ``schooner_raw``.
"""

from __future__ import annotations

from _common import DSN, EXTRA_FORTUNE, POOL_SIZE, query_count, random_id, random_ids
from _schooner_common import production_app, router
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, Model, schema_for
from schooner.contrib.templates import TemplateResponse


class World(Model):
    """A row of ``world``."""

    __tablename__ = "world"
    id: Mapped[int] = mapped_column(primary_key=True)
    randomnumber: Mapped[int]


class Fortune(Model):
    """A row of ``fortune``."""

    __tablename__ = "fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str]


World.__schema__ = schema_for(World, rename={"randomnumber": "randomNumber"}, name="World")

database = Database(
    config=DatabaseConfig(
        url=DSN.replace("postgresql://", "postgresql+asyncpg://"),
        pool_size=POOL_SIZE,
        max_overflow=0,
    )
)
app = production_app()
app.add_component(database)
app.include(router)


@app.get("/db")
async def db(session: AsyncSession) -> World | None:
    """One random row."""
    return await session.get(World, random_id())


@app.get("/queries")
async def queries(session: AsyncSession, queries: str | None = None) -> list[World | None]:
    """``queries`` rows, one query each."""
    return [await session.get(World, random_id()) for _ in range(query_count(queries))]


@app.get("/updates")
async def updates(session: AsyncSession, queries: str | None = None) -> list[World]:
    """Rows read, changed and committed by the session before the response starts."""
    worlds = []
    for world_id in random_ids(query_count(queries)):
        world = await session.get(World, world_id)
        if world is not None:
            world.randomnumber = random_id()
            worlds.append(world)
    await session.flush()
    return worlds


@app.get("/fortunes")
async def fortunes(session: AsyncSession) -> TemplateResponse:
    """Every fortune plus one, sorted by message, rendered with escaping."""
    rows = list(await session.scalars(select(Fortune)))
    rows.append(Fortune(id=0, message=EXTRA_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    return TemplateResponse("fortunes.html", {"fortunes": rows})
