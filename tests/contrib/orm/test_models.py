"""Tests for the Model base, its naming convention and the mixins, on every backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.schema import CreateTable

from schooner.contrib.orm import Database, Model, UTCDateTime
from schooner.contrib.orm.testing import TestDatabase

from .conftest import run
from .models import Account, Base, Cargo, Ship


def test_constraint_names_follow_the_convention() -> None:
    """Unique, check, foreign-key, index and primary-key constraints get predictable names."""
    names = {c.name for c in Ship.__table__.constraints} | {
        c.name for c in Cargo.__table__.constraints
    }
    assert {
        "pk_orm_ships",
        "uq_orm_ships_name",
        "ck_orm_ships_tonnage_positive",
        "fk_orm_ships_port_id_orm_ports",
        "uq_orm_cargo_ship_name_label",
    } <= names
    assert {i.name for i in Cargo.__table__.indexes} == {"ix_orm_cargo_label"}


def test_names_exist_on_the_real_database(test_db: TestDatabase) -> None:
    """The backend reports the same names (MariaDB names the primary key PRIMARY)."""

    async def names(db: Database) -> Any:
        async with db.engine.connect() as connection:

            def read(sync: Any) -> Any:
                inspector = sa_inspect(sync)
                return (
                    {u["name"] for u in inspector.get_unique_constraints("orm_ships")},
                    {f["name"] for f in inspector.get_foreign_keys("orm_ships")},
                )

            return await connection.run_sync(read)

    unique, foreign = run(test_db, names)
    assert "uq_orm_ships_name" in unique
    assert foreign == {"fk_orm_ships_port_id_orm_ports"}


def test_tables_stay_in_their_own_metadata() -> None:
    """An abstract base with its own metadata keeps its tables out of ``Model.metadata``."""
    assert "orm_ships" in Base.metadata.tables
    assert "orm_ships" not in Model.metadata.tables


def test_id_and_timestamps_come_first_and_last() -> None:
    """Mixin columns are placed predictably: ``id`` first, timestamps last."""
    columns = [c.name for c in Ship.__table__.columns]
    assert columns[0] == "id"
    assert columns[-2:] == ["created_at", "updated_at"]


def test_timestamps_are_aware_utc_and_updated(test_db: TestDatabase) -> None:
    """``created_at``/``updated_at`` are set by the database, in UTC, and move on update."""

    async def scenario(db: Database) -> Any:
        async with db.transaction() as session:
            ship = Ship(name="Clock")
            session.add(ship)
            await session.flush()
            created = ship.created_at
        async with db.transaction() as session:
            loaded = await session.get(Ship, ship.id)
            assert loaded is not None
            loaded.tonnage = 5
            await session.flush()
            return created, loaded.created_at, loaded.updated_at

    created, reloaded, updated = run(test_db, scenario)
    now = datetime.now(UTC)
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert abs(now - created) < timedelta(minutes=1)  # UTC, not the server's local time
    assert reloaded == created
    assert updated >= created


def test_aware_datetimes_round_trip_in_utc(test_db: TestDatabase) -> None:
    """An aware value in another zone is stored as the same instant and read back in UTC."""
    from sqlalchemy import Column, MetaData, Table, insert

    table = Table("orm_moments", MetaData(), Column("at", UTCDateTime()))
    moment = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-3)))

    async def scenario(db: Database) -> Any:
        async with db.engine.begin() as connection:
            await connection.run_sync(table.create)
            try:
                await connection.execute(insert(table).values(at=moment))
                return (await connection.execute(select(table.c.at))).scalar_one()
            finally:
                await connection.run_sync(table.drop)

    stored = run(test_db, scenario)
    assert stored == moment
    assert stored.tzinfo == UTC


def test_naive_datetimes_are_refused() -> None:
    """Writing a naive datetime is an error that says what to use instead."""
    from sqlalchemy.dialects import sqlite

    with pytest.raises(ValueError, match=r"datetime.now\(UTC\)"):
        UTCDateTime().process_bind_param(datetime(2024, 1, 1), sqlite.dialect())


def test_uuid_primary_key_is_known_before_flush(test_db: TestDatabase) -> None:
    """A ``UUIDPK`` row gets its id in Python and keeps it in the database."""

    async def scenario(db: Database) -> Any:
        async with db.transaction() as session:
            cargo = Cargo(ship_name="Bluenose", label="salt")
            session.add(cargo)
            await session.flush()
            return cargo.id, (await session.scalars(select(Cargo.id))).one()

    made, stored = run(test_db, scenario)
    assert isinstance(made, uuid.UUID)
    assert made == stored


def test_versioned_starts_at_one_and_counts_updates(test_db: TestDatabase) -> None:
    """``version`` is 1 on insert and goes up by one per update."""

    async def scenario(db: Database) -> Any:
        async with db.transaction() as session:
            account = Account(balance=1)
            session.add(account)
            await session.flush()
            first = account.version
            account.balance = 2
            await session.flush()
            return first, account.version

    assert run(test_db, scenario) == (1, 2)


def test_constructor_checks_names_and_nulls_nullable_columns() -> None:
    """Unknown keywords are refused; nullable columns without a default start as None."""
    ship = Ship(name="Plain")
    assert ship.captain is None
    assert ship.port_id is None
    with pytest.raises(TypeError, match="'colour' is an invalid keyword argument for Ship"):
        Ship(name="x", colour="red")
    assert repr(Ship(id=3, name="x")) == "<Ship id=3>"
    assert repr(Ship(name="x")) == "<Ship>"


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgresql", "TIMESTAMP WITH TIME ZONE DEFAULT now()"),
        ("mysql", "DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))"),
        ("sqlite", "DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now'))"),
    ],
)
def test_timestamp_ddl_per_backend(dialect: str, expected: str) -> None:
    """``created_at`` is a UTC default on each backend, independent of the server's zone."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    dialects = {"postgresql": postgresql, "mysql": mysql, "sqlite": sqlite}
    ddl = str(CreateTable(Ship.__table__).compile(dialect=dialects[dialect].dialect()))
    line = next(x for x in ddl.splitlines() if "created_at" in x)
    assert expected in line
