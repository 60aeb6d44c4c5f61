"""Tests for get_or_404, bulk writes and locking (no lost update under concurrency)."""
# No "from __future__ import annotations": handlers here refer to local names.

import asyncio
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from schooner.contrib.orm import (
    AsyncSession,
    Database,
    bulk_insert,
    bulk_update,
    get_for_update,
    get_or_404,
)
from schooner.contrib.orm.testing import TestDatabase
from schooner.testing import AsyncTestClient, TestClient

from ._counters import counter_app
from .conftest import AppFactory, run
from .models import Account, Cargo, Ship


def test_get_or_404(test_db: TestDatabase, make_app: AppFactory) -> None:
    """A present row is returned; a missing one is a 404 problem naming the model."""
    app, _ = make_app(test_db.url)

    @app.post("/ships")
    async def add(session: AsyncSession) -> Ship:
        ship = Ship(name="Bluenose")
        session.add(ship)
        await session.flush()
        return ship

    @app.get("/ships/{ship_id:int}")
    async def one(ship_id: int, session: AsyncSession) -> Ship:
        return await get_or_404(session, Ship, ship_id)

    with TestClient(app) as client:
        ship_id = client.post("/ships").json()["id"]
        assert client.get(f"/ships/{ship_id}").json()["name"] == "Bluenose"
        missing = client.get(f"/ships/{ship_id + 1000}")
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"No Ship with id {ship_id + 1000}."


def filtered_app(url: str, make_app: AppFactory) -> Any:
    """Ships looked up by id with extra conditions, as a Django view would."""
    app, _ = make_app(url)

    @app.post("/ships")
    async def add(session: AsyncSession) -> list[int]:
        ships = [Ship(name="Bluenose", tonnage=285), Ship(name="Hector", captain="Speirs")]
        session.add_all(ships)
        await session.flush()
        return [ship.id for ship in ships]

    @app.get("/captained/{ship_id:int}")
    async def captained(ship_id: int, session: AsyncSession) -> Ship:
        return await get_or_404(session, Ship, ship_id, Ship.captain.is_not(None))

    @app.get("/by-name/{ship_id:int}")
    async def named(ship_id: int, name: str, session: AsyncSession) -> Ship:
        return await get_or_404(session, Ship, ship_id, name=name)

    @app.get("/heavy/{ship_id:int}")
    async def heavy(ship_id: int, session: AsyncSession) -> Ship:
        return await get_or_404(
            session, Ship, ship_id, Ship.tonnage > 100, name="Bluenose", detail="No heavy ship."
        )

    @app.post("/heavy/{ship_id:int}/lighten")
    async def lighten(ship_id: int, session: AsyncSession) -> Ship:
        ship = await get_for_update(session, Ship, ship_id, Ship.tonnage > 100)
        ship.tonnage -= 100
        return ship

    @app.get("/port/{ship_id:int}")
    async def in_port(ship_id: int, port_id: int, session: AsyncSession) -> Ship:
        return await get_or_404(session, Ship, ship_id, port_id=port_id)

    return app


def test_get_or_404_with_filters(test_db: TestDatabase, make_app: AppFactory) -> None:
    """Keyword filters and expressions narrow the lookup; a row that does not match is a 404."""
    with TestClient(filtered_app(test_db.url, make_app)) as client:
        bluenose, hector = client.post("/ships").json()
        assert client.get(f"/captained/{hector}").json()["name"] == "Hector"
        assert client.get(f"/captained/{bluenose}").status_code == 404
        assert client.get(f"/by-name/{bluenose}?name=Bluenose").status_code == 200
        assert client.get(f"/by-name/{bluenose}?name=Hector").status_code == 404
        assert client.get(f"/heavy/{bluenose}").json()["tonnage"] == 285
        missing = client.get(f"/heavy/{hector}")
        assert (missing.status_code, missing.json()["detail"]) == (404, "No heavy ship.")
        assert client.post(f"/heavy/{bluenose}/lighten").json()["tonnage"] == 185
        assert client.post(f"/heavy/{hector}/lighten").status_code == 404


def test_values_beyond_the_columns_are_a_404(test_db: TestDatabase, make_app: AppFactory) -> None:
    """An id or a filter value no row can hold finds nothing, without asking the database."""
    with TestClient(filtered_app(test_db.url, make_app)) as client:
        bluenose, _ = client.post("/ships").json()
        assert client.get(f"/captained/{2**63}").status_code == 404
        assert client.get(f"/port/{bluenose}?port_id={2**63}").status_code == 404
        assert client.post(f"/heavy/{-(2**63) - 1}/lighten").status_code == 404


async def test_filters_must_name_columns_and_conditions_must_be_sql(
    sqlite_db: TestDatabase,
) -> None:
    """Mistakes in the call are programming errors that say what to write instead."""
    db = Database(sqlite_db.url)
    async with db.running(), db.transaction() as session:
        with pytest.raises(TypeError, match="Ship has no column 'colour' to filter on"):
            await get_or_404(session, Ship, 1, colour="red")
        with pytest.raises(TypeError, match="pass a composite key as one tuple"):
            await get_or_404(session, Ship, 1, 2)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"a primary key of 1 column\(s\); got 2 value"):
            await get_or_404(session, Ship, (1, 2))


class CargoIn(msgspec.Struct):
    """A row for bulk insertion."""

    ship_name: str
    label: str
    weight: int = 0


def test_bulk_insert_and_update(test_db: TestDatabase) -> None:
    """Many rows go in at once (Python defaults applied) and are updated by primary key."""

    async def scenario(db: Database) -> Any:
        async with db.transaction() as session:
            rows = [CargoIn("Bluenose", f"crate {i}", i) for i in range(50)]
            assert await bulk_insert(session, Cargo, rows) == []
            back = await bulk_insert(
                session, Cargo, [{"ship_name": "Hector", "label": "barrel"}], returning=True
            )
            assert back[0].id is not None
            assert back[0].label == "barrel"
            assert await bulk_insert(session, Cargo, []) == []
        async with db.transaction() as session:
            bluenose = select(Cargo).where(Cargo.ship_name == "Bluenose")
            crates = (await session.scalars(bluenose)).all()
            changes = [{"id": c.id, "weight": c.weight * 10} for c in crates]
            assert await bulk_update(session, Cargo, changes) == 50
        async with db.transaction() as session:
            weights = (await session.scalars(select(Cargo.weight).order_by(Cargo.weight))).all()
            return list(weights)

    assert run(test_db, scenario) == [0, *(i * 10 for i in range(50))]


def test_bulk_update_sets_updated_at(test_db: TestDatabase) -> None:
    """``onupdate`` values (``Timestamps.updated_at``) apply to bulk updates too."""

    async def scenario(db: Database) -> Any:
        async with db.transaction() as session:
            ship = Ship(name="Stamped")
            session.add(ship)
        await asyncio.sleep(0.01)
        async with db.transaction() as session:
            await bulk_update(session, Ship, [{"id": ship.id, "tonnage": 9}])
        async with db.transaction() as session:
            fresh = await session.get(Ship, ship.id)
            assert fresh is not None
            return fresh.updated_at > ship.updated_at, fresh.created_at == ship.created_at

    assert run(test_db, scenario) == (True, True)


async def test_select_for_update_loses_no_update(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """Two concurrent increments through ``get_for_update`` both count."""
    async with AsyncTestClient(
        counter_app(test_db.url, make_app, naive_pause=0.05, locked_pause=0.05)
    ) as client:
        counter_id = (await client.post("/counters")).json()["id"]
        first, second = await asyncio.gather(
            client.post(f"/counters/{counter_id}/locked"),
            client.post(f"/counters/{counter_id}/locked"),
        )
        assert (first.status_code, second.status_code) == (204, 204)
        assert (await client.get(f"/counters/{counter_id}")).json()["value"] == 2


async def test_without_the_lock_an_update_is_lost(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """The control: the same increments without the lock lose one (so the test above bites)."""
    async with AsyncTestClient(
        counter_app(test_db.url, make_app, naive_pause=0.05, locked_pause=0.05)
    ) as client:
        counter_id = (await client.post("/counters")).json()["id"]
        await asyncio.gather(
            client.post(f"/counters/{counter_id}/naive"),
            client.post(f"/counters/{counter_id}/naive"),
        )
        assert (await client.get(f"/counters/{counter_id}")).json()["value"] == 1


async def test_optimistic_version_refuses_the_second_writer(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """With ``Versioned``, the slower of two concurrent writers gets 409 instead of overwriting."""
    app, _ = make_app(test_db.url)

    @app.post("/accounts", status_code=201)
    async def open_account(session: AsyncSession) -> Account:
        account = Account(balance=100)
        session.add(account)
        await session.flush()
        return account

    @app.post("/accounts/{account_id:int}/withdraw")
    async def withdraw(account_id: int, amount: int, session: AsyncSession) -> None:
        account = await get_or_404(session, Account, account_id)
        await asyncio.sleep(0.05)
        account.balance -= amount

    @app.get("/accounts/{account_id:int}")
    async def read(account_id: int, session: AsyncSession) -> Account:
        return await get_or_404(session, Account, account_id)

    async with AsyncTestClient(app) as client:
        account = (await client.post("/accounts")).json()
        assert account["version"] == 1
        responses = await asyncio.gather(
            client.post(f"/accounts/{account['id']}/withdraw?amount=30"),
            client.post(f"/accounts/{account['id']}/withdraw?amount=50"),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [204, 409]
        loser = next(r for r in responses if r.status_code == 409)
        assert "changed by someone else" in loser.json()["detail"]
        final = (await client.get(f"/accounts/{account['id']}")).json()
    assert final["version"] == 2
    assert final["balance"] in (70, 50)  # exactly one withdrawal, never a blend
