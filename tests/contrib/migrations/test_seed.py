"""``schooner db seed``: JSON and YAML fixtures, loaded idempotently, on every backend."""

from __future__ import annotations

import asyncio
import enum
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, MetaData, Numeric, select
from sqlalchemy.orm import Mapped, mapped_column

from contrib.orm.models import Base, Cargo, Port, Ship
from schooner import App
from schooner.contrib.migrations import Migrations, SeedError, load_fixtures
from schooner.contrib.orm import NAMING_CONVENTION, Database, IntPK, Model

from .conftest import DbRunner, server_database

CARGO_ID = "0b5c1a43-6a8e-4c59-9d1c-0c3f0f4f7c11"
RECORDS: list[dict[str, Any]] = [
    # Children first on purpose: records are loaded parents first.
    {"model": "Ship", "key": ["name"], "fields": {"name": "Bluenose", "port_id": 1}},
    {"model": "orm_ports", "fields": {"id": 1, "name": "Lunenburg"}},
    {"model": "Port", "fields": {"id": 2, "name": "Halifax"}},
    {"model": "Cargo", "fields": {"id": CARGO_ID, "ship_name": "Bluenose", "label": "cod"}},
]


@pytest.fixture
def seeded_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database on the backend with the test models' tables."""
    yield from server_database(backend, tmp_path, [Base.metadata])


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write a JSON fixture file."""
    path.write_text(json.dumps(records))
    return path


def rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """What the seeded tables hold."""

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        db = Database(url, metadata=Base.metadata)
        async with db.running(), db.transaction() as session:
            ports = (await session.execute(select(Port.id, Port.name).order_by(Port.id))).all()
            ships = (await session.execute(select(Ship.name, Ship.port_id))).all()
            cargo = (await session.execute(select(Cargo.id, Cargo.label))).all()
        return {
            "ports": [*map(tuple, ports)],
            "ships": [*map(tuple, ships)],
            "cargo": [*map(tuple, cargo)],
        }

    return asyncio.run(read())


def test_seeding_twice_changes_nothing(run_db: DbRunner, seeded_url: str, tmp_path: Path) -> None:
    """The second load finds every row; an edited record is updated in place."""
    app = App(components=[Database(seeded_url, metadata=Base.metadata), Migrations()])
    fixtures = write(tmp_path / "fixtures.json", RECORDS)
    assert "4 created, 0 updated, 0 unchanged" in run_db(app, "seed", str(fixtures)).output
    first = rows(seeded_url)
    assert first["ports"] == [(1, "Lunenburg"), (2, "Halifax")]
    assert first["ships"] == [("Bluenose", 1)]
    assert first["cargo"] == [(uuid.UUID(CARGO_ID), "cod")]

    assert "0 created, 0 updated, 4 unchanged" in run_db(app, "seed", str(fixtures)).output
    assert rows(seeded_url) == first

    edited = [dict(r) for r in RECORDS]
    edited[0] = {**RECORDS[0], "fields": {"name": "Bluenose", "port_id": 2}}
    write(fixtures, edited)
    assert "0 created, 1 updated, 3 unchanged" in run_db(app, "seed", str(fixtures)).output
    assert rows(seeded_url)["ships"] == [("Bluenose", 2)]


def test_ids_from_fixtures_do_not_collide_with_new_rows(seeded_url: str, tmp_path: Path) -> None:
    """After fixtures with explicit ids, the app's next insert gets a fresh id (sequences)."""
    db = Database(seeded_url, metadata=Base.metadata)
    load_fixtures(db, write(tmp_path / "ports.json", RECORDS[1:3]))

    async def add() -> int:
        async with db.running(), db.transaction() as session:
            port = Port(name="Boston")
            session.add(port)
            await session.flush()
            return port.id

    assert asyncio.run(add()) == 3


def test_yaml_fixtures(sqlite_db_url: str, tmp_path: Path) -> None:
    """YAML files hold the same records as JSON ones."""
    (tmp_path / "ports.yaml").write_text(
        "- model: Port\n  fields: {id: 7, name: Lisbon}\n"
        "- model: Ship\n  key: [name]\n  fields:\n    name: Santa Maria\n    port_id: 7\n"
    )
    db = Database(sqlite_db_url, metadata=Base.metadata)
    assert load_fixtures(db, tmp_path / "ports.yaml").created == 2
    assert load_fixtures(db, tmp_path / "ports.yaml").unchanged == 2
    assert rows(sqlite_db_url)["ships"] == [("Santa Maria", 7)]


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> Iterator[str]:
    """A SQLite database with the test models' tables."""
    yield from server_database("sqlite", tmp_path, [Base.metadata])


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({"model": "Port"}, "record 1: expected {'model': ..., 'fields': {...}}"),
        ({"model": "Galleon", "fields": {}}, "record 1: unknown model 'Galleon' (known: "),
        ({"model": "Port", "fields": {"id": 1, "nam": "x"}}, "Port has no column 'nam'"),
        ({"model": "Port", "fields": {"name": "x"}}, "give the primary key (id) in 'fields'"),
        ({"model": "Port", "key": ["name"], "fields": {"id": 1}}, "key columns ['name']"),
        (
            {"model": "Cargo", "fields": {"id": "not-a-uuid", "ship_name": "a", "label": "b"}},
            "record 1: id: Invalid UUID",
        ),
        (
            {"model": "Ship", "fields": {"id": 1, "name": "Lost", "port_id": 99}},
            "Record 1 (Ship): FOREIGN KEY constraint failed",
        ),
    ],
)
def test_bad_records_are_named(
    run_db: DbRunner, sqlite_db_url: str, tmp_path: Path, records: dict[str, Any], message: str
) -> None:
    """A bad record fails the whole load with its number and the problem; nothing is written."""
    app = App(components=[Database(sqlite_db_url, metadata=Base.metadata), Migrations()])
    fixtures = write(tmp_path / "bad.json", [records])
    result = run_db(app, "seed", str(fixtures), ok=False)
    assert result.exit_code == 1
    assert message in result.output
    assert rows(sqlite_db_url)["ports"] == []


def test_not_a_list(tmp_path: Path, sqlite_db_url: str) -> None:
    """A file that is not a list of records is refused before anything is loaded."""
    (tmp_path / "fixtures.json").write_text('{"model": "Port"}')
    with pytest.raises(SeedError, match="must hold a list of records, not a dict"):
        load_fixtures(Database(sqlite_db_url, metadata=Base.metadata), tmp_path / "fixtures.json")
    (tmp_path / "broken.json").write_text("[")
    with pytest.raises(SeedError, match="is not valid JSON"):
        load_fixtures(Database(sqlite_db_url, metadata=Base.metadata), tmp_path / "broken.json")


class Status(enum.Enum):
    """An enum column's values."""

    IN_PORT = "in port"
    AT_SEA = "at sea"


class TypedBase(Model):
    """Tables of their own for the typed-values tests."""

    __abstract__ = True
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Voyage(IntPK, TypedBase):
    """One column of each type a fixture file writes as text."""

    __tablename__ = "seed_voyages"

    departs: Mapped[datetime]
    sails_on: Mapped[date]
    bell: Mapped[time]
    fare: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    ticket: Mapped[uuid.UUID]
    status: Mapped[Status]
    previous: Mapped[Status | None]
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)


VOYAGE = {
    "id": 1,
    "departs": "2025-06-01T12:00:00Z",  # as docs/database.md writes it
    "sails_on": "2025-06-01",
    "bell": "12:30:00",
    "fare": "12.50",
    "ticket": CARGO_ID,
    "status": "at sea",  # by value
    "previous": "IN_PORT",  # by name
    "manifest": {"crates": [1, 2], "note": "2025-06-01T12:00:00Z"},
}


@pytest.fixture
def typed_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database on the backend with the typed-values table."""
    yield from server_database(backend, tmp_path, [TypedBase.metadata])


def test_values_are_converted_through_the_column_types(typed_url: str, tmp_path: Path) -> None:
    """Datetimes, dates, times, decimals, UUIDs, enums and JSON load, and load again unchanged."""
    db = Database(typed_url, metadata=TypedBase.metadata)
    fixtures = write(tmp_path / "voyages.json", [{"model": "Voyage", "fields": VOYAGE}])
    assert load_fixtures(db, fixtures).created == 1
    assert load_fixtures(db, fixtures).unchanged == 1

    async def read() -> Voyage:
        async with db.running(), db.transaction() as session:
            found = await session.get(Voyage, 1)
            assert found is not None
            return found

    voyage = asyncio.run(read())
    assert voyage.departs == datetime(2025, 6, 1, 12, tzinfo=UTC)
    assert (voyage.sails_on, voyage.bell) == (date(2025, 6, 1), time(12, 30))
    assert voyage.fare == Decimal("12.50")
    assert voyage.ticket == uuid.UUID(CARGO_ID)
    assert (voyage.status, voyage.previous) == (Status.AT_SEA, Status.IN_PORT)
    assert voyage.manifest == {"crates": [1, 2], "note": "2025-06-01T12:00:00Z"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("departs", "2025-06-01T12:00:00", "needs its time zone"),
        ("sails_on", "June 1st", "Invalid RFC3339 encoded date"),
        ("status", "sunk", "'sunk' is not one of 'in port', 'at sea'"),
        ("fare", "cheap", "Invalid decimal"),
    ],
)
def test_values_that_cannot_be_converted_are_named(
    tmp_path: Path, field: str, value: str, message: str
) -> None:
    """A value the column cannot take fails the load with the record, the field and why."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", metadata=TypedBase.metadata)
    fixtures = write(
        tmp_path / "bad.json", [{"model": "Voyage", "fields": {**VOYAGE, field: value}}]
    )
    with pytest.raises(SeedError, match=f"record 1: {field}: .*{message}"):
        load_fixtures(db, fixtures)
