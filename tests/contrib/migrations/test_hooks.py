"""Work after a migrate (``AfterMigrate``): run once each database is at its latest revision.

The test component ships the ``harbour`` revisions (its ``harbour_docks`` table) and, after
every migrate, makes sure the harbour has its first dock — idempotent work on the table its
own migration created.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from schooner import App
from schooner.contrib.migrations import (
    AfterMigrate,
    MigrationError,
    MigrationFolders,
    Migrations,
    migrate,
)
from schooner.contrib.orm import NAMING_CONVENTION, Database
from schooner.exceptions import ImproperlyConfigured

from .conftest import DbRunner

HARBOUR = Path(__file__).parent / "harbour"
FIRST = sorted(HARBOUR.glob("*.py"))[0]
FIRST_ID = "a1b2c3d4e5f6"


def schema() -> MetaData:
    """The component's table, as the project's models know it."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "harbour_docks",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(80), nullable=False),
    )
    return metadata


DOCKS = schema().tables["harbour_docks"]


class Harbour:
    """Ships the harbour's migrations; after a migrate, opens the first dock if missing."""

    name = "harbour"

    def __init__(self, folder: Path, *, fail: str | None = None) -> None:
        self.folder = folder
        self.fail = fail
        self.calls: list[tuple[str, Database]] = []

    def setup(self, app: App) -> None:
        """Nothing to add to the app."""

    def migration_folders(self) -> Mapping[str, Path]:
        """Its one branch."""
        return {"harbour": self.folder}

    async def after_migrate(self, database: Database) -> None:
        """Record the call; open the first dock unless there is one."""
        self.calls.append((database.alias, database))
        if self.fail is not None:
            raise RuntimeError(self.fail)
        if database.alias != "default":
            return
        async with database.transaction() as session:
            if not await session.scalar(select(func.count()).select_from(DOCKS)):
                await session.execute(insert(DOCKS).values(name="First dock"))


class SyncStep:
    """A component whose after_migrate is a plain function, by mistake."""

    name = "sync-step"

    def setup(self, app: App) -> None:
        """Nothing to add to the app."""

    def after_migrate(self, database: Database) -> None:
        """Not a coroutine function."""


@pytest.fixture
def shipped(project: Path) -> Path:
    """The component's folder, holding its revision."""
    folder = project / "harbour"
    folder.mkdir()
    shutil.copy(FIRST, folder)
    return folder


def make_app(url: str, *components: Any, **databases: str) -> App:
    """An app with a default database on ``url`` (more by alias), migrations, components."""
    others = [
        Database(other, name=alias, metadata=MetaData()) for alias, other in databases.items()
    ]
    return App(components=[Database(url, metadata=schema()), *others, Migrations(), *components])


def docks(url: str) -> list[str]:
    """The names of the docks stored at ``url``."""
    db = Database(url)
    try:
        with db.sync_engine.connect() as connection:
            return list(connection.scalars(select(DOCKS.c.name)))
    finally:
        db.sync_engine.dispose()


def test_a_component_is_one_by_its_method(shipped: Path) -> None:
    """Any object with ``after_migrate()`` is an AfterMigrate; the others are not."""
    assert isinstance(Harbour(shipped), AfterMigrate)
    assert isinstance(Harbour(shipped), MigrationFolders)
    assert not isinstance(Migrations(), AfterMigrate)


def test_migrate_runs_it_after_the_migrations_every_time(
    run_db: DbRunner, shipped: Path, database_url: str
) -> None:
    """``schooner db migrate`` awaits it once the component's table exists, with the
    database started; again when there is nothing to apply, where it finds its work done."""
    harbour = Harbour(shipped)
    app = make_app(database_url, harbour)
    run_db(app, "init")
    assert f"Applied {FIRST_ID} (harbour)" in run_db(app, "migrate").output
    assert docks(database_url) == ["First dock"]
    assert "Nothing to apply." in run_db(app, "migrate").output
    assert docks(database_url) == ["First dock"]
    assert [alias for alias, _ in harbour.calls] == ["default", "default"]


def test_it_gets_a_started_copy_of_the_database(
    run_db: DbRunner, shipped: Path, sqlite_url: str
) -> None:
    """The database given is a new one with the component's URL, alias and config, so the
    app's own engine is left alone."""
    harbour = Harbour(shipped)
    app = make_app(sqlite_url, harbour)
    run_db(app, "init")
    run_db(app, "migrate")
    (alias, given), app_db = harbour.calls[0], app.component(Database)
    assert app_db is not None
    assert given is not app_db
    assert (alias, given.url, given.config) == ("default", app_db.url, app_db.config)


def test_only_a_migrate_to_the_latest_revision_runs_it(
    run_db: DbRunner, shipped: Path, sqlite_url: str
) -> None:
    """A migrate to a named revision and a downgrade do not call it; migrate(app) and
    ``migrate heads`` do."""
    harbour = Harbour(shipped)
    app = make_app(sqlite_url, harbour)
    run_db(app, "init")
    assert migrate(app, f"harbour@{FIRST_ID}") == 1
    run_db(app, "downgrade", "base")
    run_db(app, "migrate", FIRST_ID)
    assert harbour.calls == []
    assert docks(sqlite_url) == []
    assert migrate(app) == 0
    run_db(app, "migrate", "heads")
    assert [alias for alias, _ in harbour.calls] == ["default", "default"]
    assert docks(sqlite_url) == ["First dock"]


def test_it_runs_for_each_database_migrated(
    run_db: DbRunner, shipped: Path, sqlite_url: str, project: Path
) -> None:
    """Every database of the app is passed in turn; ``--database`` passes that one only."""
    harbour = Harbour(shipped)
    app = make_app(sqlite_url, harbour, archive=f"sqlite+aiosqlite:///{project / 'archive.db'}")
    run_db(app, "init")
    run_db(app, "migrate")
    run_db(app, "migrate", "--database", "archive")
    assert [alias for alias, _ in harbour.calls] == ["default", "archive", "archive"]


def test_a_failing_step_names_the_component(
    run_db: DbRunner, shipped: Path, sqlite_url: str
) -> None:
    """The command fails with the component's name and reason; the migrations stay applied."""
    app = make_app(sqlite_url, Harbour(shipped, fail="the harbourmaster is out"))
    run_db(app, "init")
    failed = run_db(app, "migrate", ok=False)
    assert failed.exit_code == 1
    assert "is migrated, but after_migrate() of component 'harbour' failed" in failed.output
    assert "the harbourmaster is out" in failed.output
    assert f"Applied {FIRST_ID}" in failed.output
    assert docks(sqlite_url) == []  # the table is there, empty
    with pytest.raises(MigrationError, match="the harbourmaster is out"):
        migrate(app)


def test_a_sync_step_is_refused(run_db: DbRunner, sqlite_url: str) -> None:
    """An ``after_migrate`` that is not ``async def`` is a configuration error saying so."""
    app = make_app(sqlite_url, SyncStep())
    run_db(app, "init")
    with pytest.raises(ImproperlyConfigured, match=r"'sync-step'.*async def after_migrate"):
        migrate(app)
    assert "async def after_migrate" in run_db(app, "migrate", ok=False).output


async def test_migrate_from_a_running_event_loop(
    run_db: DbRunner, shipped: Path, sqlite_url: str
) -> None:
    """migrate(app) called from a coroutine (a startup hook) runs the step on a loop of
    its own."""
    harbour = Harbour(shipped)
    app = make_app(sqlite_url, harbour)
    run_db(app, "init")
    assert migrate(app) == 1
    assert docks(sqlite_url) == ["First dock"]
