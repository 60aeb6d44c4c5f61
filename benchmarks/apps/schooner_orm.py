"""Schooner through its ORM battery, ``schooner.contrib.orm`` (SQLAlchemy 2, asyncpg).

Reads use ``ReadQuery`` (models and SQLAlchemy statements, compiled once, run on the
driver, rows as the model's wire schema), as the battery's docs recommend for read-only
endpoints; ``updates`` changes rows through the request's session, injected by annotation,
committed before the response. The tests without a database are the same as
``schooner_raw``.
"""

from __future__ import annotations

from _common import DSN, EXTRA_FORTUNE, POOL_SIZE, query_count, random_id, random_ids
from _schooner_common import production_app, router
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.orm import (
    AsyncSession,
    Database,
    DatabaseConfig,
    Model,
    ReadQuery,
    bulk_update,
    reading,
    schema_for,
)
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
WorldOut = World.__schema__
FortuneOut = schema_for(Fortune, name="Fortune")

world_by_id = ReadQuery(select(World).where(World.id == bindparam("id")))
all_fortunes = ReadQuery(select(Fortune))

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
async def db() -> WorldOut | None:
    """One random row."""
    return await world_by_id.first(database, id=random_id())


@app.get("/queries")
async def queries(queries: str | None = None) -> list[WorldOut | None]:
    """``queries`` rows, one query each, on one pooled connection."""
    async with reading(database) as reader:
        return [
            await world_by_id.first(reader, id=random_id()) for _ in range(query_count(queries))
        ]


@app.get("/updates")
async def updates(session: AsyncSession, queries: str | None = None) -> list[WorldOut]:
    """Rows read, given new numbers and written back in one executemany by the session,
    committed before the response starts."""
    worlds = []
    async with reading(database) as reader:
        for world_id in random_ids(query_count(queries)):
            world = await world_by_id.first(reader, id=world_id)
            if world is not None:
                world.randomnumber = random_id()
                worlds.append(world)
    await bulk_update(session, World, worlds)
    return worlds


@app.get("/fortunes")
async def fortunes() -> TemplateResponse:
    """Every fortune plus one, sorted by message, rendered with escaping."""
    rows = await all_fortunes.all(database)
    rows.append(FortuneOut(id=0, message=EXTRA_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    return TemplateResponse("fortunes.html", {"fortunes": rows})
