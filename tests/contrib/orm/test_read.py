"""Tests for ReadQuery: compiled once, run on the driver, rows as schemas, Structs or tuples."""
# No "from __future__ import annotations": handlers here refer to local names.

import asyncio
from datetime import datetime
from typing import Any

import msgspec
import pytest
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import DataError, MultipleResultsFound, NoResultFound

from schooner.contrib.orm import AsyncSession, Database, ReadQuery, schema_for
from schooner.contrib.orm.testing import TestDatabase, rollback_isolation
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

from .conftest import AppFactory, run
from .models import Port, Ship

SHIP_BY_NAME = ReadQuery(select(Ship).where(Ship.name == bindparam("name")))
SHIPS_IN = ReadQuery(
    select(Ship.name, Ship.tonnage)
    .where(Ship.name.in_(bindparam("names", expanding=True)))
    .order_by(Ship.name)
)


class Brief(msgspec.Struct):
    """A Struct filled by attribute name."""

    name: str
    tonnage: int
    note: str = "-"


async def _seed(db: Database) -> None:
    async with db.transaction() as session:
        port = Port(name="Lunenburg")
        session.add(port)
        await session.flush()
        session.add_all(
            [
                Ship(name="Bluenose", tonnage=285, captain="Walters", port_id=port.id),
                Ship(name="Mayflower", tonnage=180, secret_code="x1"),
                Ship(name="50% off", tonnage=1),
            ]
        )


def test_rows_come_back_as_the_model_schema(test_db: TestDatabase) -> None:
    """A query for one model returns its wire schema: private columns stay out, types are
    converted as the ORM converts them (aware UTC datetimes on every backend)."""

    async def scenario(db: Database) -> Any:
        await _seed(db)
        found = await SHIP_BY_NAME.one(db, name="Bluenose")
        async with db.transaction() as session:
            loaded = (await session.scalars(select(Ship).where(Ship.name == "Bluenose"))).one()
        return found, loaded

    found, loaded = run(test_db, scenario)
    assert isinstance(found, schema_for(Ship))
    assert (found.name, found.tonnage, found.captain) == ("Bluenose", 285, "Walters")
    assert not hasattr(found, "secret_code")
    assert isinstance(found.created_at, datetime)
    assert found.created_at.tzinfo is not None
    assert found.created_at == loaded.created_at
    assert msgspec.json.decode(msgspec.json.encode(found))["name"] == "Bluenose"


def test_first_all_one_and_tuples(test_db: TestDatabase) -> None:
    """``first`` may be None, ``one`` insists, ``all`` keeps order; column selects are tuples,
    expanding parameters take lists and ``%`` in values survives every driver."""

    async def scenario(db: Database) -> Any:
        await _seed(db)
        count = ReadQuery(select(func.count()).select_from(Ship))
        every = ReadQuery(select(Ship))
        results = {
            "missing": await SHIP_BY_NAME.first(db, name="Nobody"),
            "percent": (await SHIP_BY_NAME.one(db, name="50% off")).tonnage,
            "in": await SHIPS_IN.all(db, names=["Mayflower", "Bluenose", "Ghost"]),
            "count": await count.one(db),
            "many": len(await every.all(db)),
        }
        with pytest.raises(NoResultFound):
            await SHIP_BY_NAME.one(db, name="Nobody")
        with pytest.raises(MultipleResultsFound):
            await every.one(db)
        return results

    results = run(test_db, scenario)
    assert results["missing"] is None
    assert results["percent"] == 1
    assert results["in"] == [("Bluenose", 285), ("Mayflower", 180)]
    assert results["count"] == (3,)
    assert results["many"] == 3


def test_into_a_struct_by_attribute_name(test_db: TestDatabase) -> None:
    """``into=`` fills a Struct from the selected columns; defaults cover the rest."""
    briefs = ReadQuery(select(Ship).where(Ship.tonnage > bindparam("min")), into=Brief)

    async def scenario(db: Database) -> Any:
        await _seed(db)
        return await briefs.all(db, min=100)

    found = sorted(run(test_db, scenario), key=lambda brief: brief.name)
    assert found == [Brief("Bluenose", 285), Brief("Mayflower", 180)]


def test_misuse_is_a_clear_error() -> None:
    """Only SELECTs; ``into`` must be a Struct whose required fields are selected."""
    with pytest.raises(ImproperlyConfigured, match="select"):
        ReadQuery(update(Ship).values(tonnage=0))  # type: ignore[arg-type]
    query = ReadQuery(select(Ship.name), into=Brief)
    db = Database("sqlite+aiosqlite:///:memory:")
    with pytest.raises(ImproperlyConfigured, match=r"Brief\.tonnage"):
        query._plan(db)
    with pytest.raises(ImproperlyConfigured, match="Struct"):
        ReadQuery(select(Ship.name), into=dict)._plan(db)


def test_reads_run_concurrently_on_pooled_connections(test_db: TestDatabase) -> None:
    """Concurrent reads each check out their own connection and all succeed."""

    async def scenario(db: Database) -> Any:
        await _seed(db)
        names = ["Bluenose", "Mayflower", "50% off"] * 10
        return await asyncio.gather(*(SHIP_BY_NAME.one(db, name=n) for n in names))

    found = run(test_db, scenario)
    assert [ship.name for ship in found] == ["Bluenose", "Mayflower", "50% off"] * 10


def test_served_through_the_app(test_db: TestDatabase, make_app: AppFactory) -> None:
    """A handler returns a ReadQuery result as JSON; a missing row is a 404 problem."""
    app, db = make_app(test_db.url)

    @app.post("/ships")
    async def add(session: AsyncSession) -> Ship:
        ship = Ship(name="Bluenose", tonnage=285)
        session.add(ship)
        await session.flush()
        return ship

    @app.get("/ships/{name}")
    async def one(name: str) -> Any:
        return await SHIP_BY_NAME.one_or_404(db, name=name)

    with TestClient(app) as client:
        assert client.post("/ships").status_code == 200
        answer = client.get("/ships/Bluenose")
        missing = client.get("/ships/Nobody")
    assert answer.json()["tonnage"] == 285
    assert "secret_code" not in answer.json()
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_rollback_isolation_reads_the_open_transaction(sqlite_db: TestDatabase) -> None:
    """Under the test fixtures' rolled-back transaction, reads see the test's rows."""
    db = Database(sqlite_db.url)

    async def scenario() -> Any:
        with rollback_isolation(db):
            async with db.running():
                async with db.sessionmaker()() as session:
                    session.add(Ship(name="Ephemeral"))
                    await session.commit()
                inside = await SHIP_BY_NAME.first(db, name="Ephemeral")
        async with db.running():
            after = await SHIP_BY_NAME.first(db, name="Ephemeral")
        return inside, after

    inside, after = sqlite_db.run(scenario())
    assert inside is not None
    assert inside.name == "Ephemeral"
    assert after is None


def test_reading_holds_one_connection_for_several_queries(test_db: TestDatabase) -> None:
    """``reading(db)`` runs queries one after the other on a single pooled connection."""
    from schooner.contrib.orm import reading

    async def scenario(db: Database) -> Any:
        await _seed(db)
        pool = db.engine.pool
        async with reading(db) as reader:
            held = pool.checkedout()  # type: ignore[attr-defined]
            found = [await SHIP_BY_NAME.one(reader, name=n) for n in ("Bluenose", "Mayflower")]
            tuples = await SHIPS_IN.all(reader, names=["50% off"])
            during = pool.checkedout()  # type: ignore[attr-defined]
        return held, during, pool.checkedout(), found, tuples  # type: ignore[attr-defined]

    held, during, after, found, tuples = run(test_db, scenario)
    assert held == during == 1
    assert after == 0
    assert [ship.name for ship in found] == ["Bluenose", "Mayflower"]
    assert tuples == [("50% off", 1)]


SHIP_BY_ID = ReadQuery(select(Ship).where(Ship.id == bindparam("id")))
SHIPS_BY_IDS = ReadQuery(select(Ship.name).where(Ship.id.in_(bindparam("ids", expanding=True))))


def test_values_the_database_refuses_are_client_errors(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """Out-of-range ids are refused before the driver (404 or 422); a NUL in text is a 422."""
    app, db = make_app(test_db.url)

    @app.get("/ships/{ship_id:int}")
    async def one(ship_id: int) -> Any:
        return await SHIP_BY_ID.one_or_404(db, id=ship_id)

    @app.get("/ships")
    async def some(ids: list[int]) -> Any:
        return await SHIPS_BY_IDS.all(db, ids=ids)

    @app.get("/by-name")
    async def by_name(name: str) -> Any:
        return await SHIP_BY_NAME.first(db, name=name)

    with TestClient(app) as client:
        assert client.get(f"/ships/{2**63}").status_code == 404
        assert client.get(f"/ships?ids=1&ids={2**63}").status_code == 422
        assert client.get("/ships?ids=1").json() == []
        nul = client.get("/by-name?name=a%00b")
    if test_db.backend == "postgresql":  # text cannot hold NUL there; asyncpg refuses it
        assert nul.status_code == 422
        assert nul.headers["content-type"] == "application/problem+json"
    else:
        assert nul.status_code == 204  # no such ship: the handler returned None


def test_out_of_range_parameters_raise_data_error(sqlite_db: TestDatabase) -> None:
    """Outside a request the refusal is SQLAlchemy's ``DataError``, as from a session."""

    async def scenario(db: Database) -> Any:
        return await SHIP_BY_ID.first(db, id=-(2**63) - 1)

    with pytest.raises(DataError, match="id is out of range"):
        run(sqlite_db, scenario)
