"""One set of migration files, generated on SQLite, applied on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect

from contrib.orm.models import Base, Port, Ship
from schooner import App
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import NAMING_CONVENTION, Database

from .conftest import db_group


def harbours(*, edited: bool) -> MetaData:
    """A table, then the same table edited: a longer name, a new column and an index."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    columns = [
        Column("id", Integer, primary_key=True),
        Column("name", String(80 if edited else 40), nullable=False),
    ]
    if edited:
        columns.append(Column("depth", Integer, nullable=True, index=True))
    Table("harbours", metadata, *columns)
    return metadata


def invoke(app: App, directory: Path, *args: str) -> str:
    """Run ``schooner db --directory DIRECTORY ARGS`` for ``app``; return its output."""
    result = CliRunner().invoke(db_group(app), ["--directory", str(directory), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrations generated once, on SQLite: the battery's test models, then an edit."""
    folder = tmp_path_factory.mktemp("generated")
    migrations = folder / "migrations"
    url = f"sqlite+aiosqlite:///{folder / 'generate.db'}"
    models = App(components=[Database(url, metadata=Base.metadata), Migrations()])
    invoke(models, migrations, "init")
    invoke(models, migrations, "makemigrations", "-m", "ports ships cargo")
    invoke(models, migrations, "migrate")
    return migrations


def apply_twice(url: str, folder: Path) -> None:
    """Generate, on SQLite, the harbours table and then its edit, into ``folder``."""
    first = App(components=[Database(url, metadata=harbours(edited=False)), Migrations()])
    invoke(first, folder, "init")
    invoke(first, folder, "makemigrations", "-m", "harbours")
    invoke(first, folder, "migrate")
    edited = App(components=[Database(url, metadata=harbours(edited=True)), Migrations()])
    invoke(edited, folder, "makemigrations", "-m", "deeper harbours")


def test_models_migration_applies_and_reverts(generated: Path, database_url: str) -> None:
    """The models' migration creates the same named schema on every backend, and reverts."""
    app = App(components=[Database(database_url, metadata=Base.metadata), Migrations()])
    assert "Applied" in invoke(app, generated, "migrate")
    assert "models and migrations agree" in invoke(app, generated, "check")

    db = Database(database_url, metadata=Base.metadata)
    inspector = inspect(db.sync_engine)
    assert {"orm_ports", "orm_ships", "orm_cargo"} <= set(inspector.get_table_names())
    (fk,) = inspector.get_foreign_keys("orm_ships")
    assert fk["name"] == "fk_orm_ships_port_id_orm_ports"
    uniques = {u["name"] for u in inspector.get_unique_constraints("orm_cargo")}
    assert "uq_orm_cargo_ship_name_label" in uniques
    db.sync_engine.dispose()

    async def write() -> Ship:
        async with db.running(), db.transaction() as session:
            ship = Ship(name="Bluenose", port=Port(name="Lunenburg"))
            session.add(ship)
        return ship

    ship = asyncio.run(write())
    assert ship.created_at.tzinfo is not None  # utcnow() server default, per backend

    invoke(app, generated, "downgrade", "base")
    inspector = inspect(db.sync_engine)
    assert set(inspector.get_table_names()) == {"alembic_version"}
    db.sync_engine.dispose()


def test_an_alteration_from_sqlite_applies_everywhere(
    tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> None:
    """Batch-mode changes written on SQLite run as ALTER TABLE on the servers, both ways."""
    folder = tmp_path_factory.mktemp("alter") / "migrations"
    apply_twice(f"sqlite+aiosqlite:///{folder.parent / 'generate.db'}", folder)

    app = App(components=[Database(database_url, metadata=harbours(edited=True)), Migrations()])
    output = invoke(app, folder, "migrate")
    assert output.count("Applied") == 2
    assert "agree" in invoke(app, folder, "check")
    db = Database(database_url)
    columns = {c["name"]: c for c in inspect(db.sync_engine).get_columns("harbours")}
    assert columns["name"]["type"].length == 80
    assert "depth" in columns
    db.sync_engine.dispose()

    invoke(app, folder, "downgrade", "-1")
    columns = {c["name"]: c for c in inspect(db.sync_engine).get_columns("harbours")}
    assert columns["name"]["type"].length == 40
    assert "depth" not in columns
    db.sync_engine.dispose()
