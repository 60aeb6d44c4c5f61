"""``schooner db`` on SQLite: init, makemigrations, migrate, downgrade, history, current, check."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect

from schooner import App
from schooner.cli import main
from schooner.contrib.migrations import MigrationError, Migrations, migrate
from schooner.contrib.orm import NAMING_CONVENTION, Database, UTCDateTime, utcnow

from .conftest import DbRunner


def ships(*, tonnage: bool = False, name_length: int = 50) -> MetaData:
    """A one-table schema; the options are the "edits" a developer makes to it."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    columns = [
        Column("id", Integer, primary_key=True),
        Column("name", String(name_length), nullable=False, unique=True),
    ]
    if tonnage:
        columns.append(Column("tonnage", Integer, nullable=True))
    Table("ships", metadata, *columns)
    return metadata


def make_app(url: str, metadata: MetaData) -> App:
    """An app whose default database holds ``metadata``."""
    return App(components=[Database(url, metadata=metadata), Migrations()])


def tables(url: str) -> set[str]:
    """The tables that exist in the database at ``url``."""
    db = Database(url)
    try:
        return set(inspect(db.sync_engine).get_table_names())
    finally:
        db.sync_engine.dispose()


def revisions(project: Path, folder: str = "versions") -> list[Path]:
    """The migration files in a versions folder, oldest first."""
    return sorted((project / "migrations" / folder).glob("*.py"), key=lambda p: p.stat().st_mtime)


def test_init_creates_the_folder_once(run_db: DbRunner, project: Path, sqlite_url: str) -> None:
    """init writes env.py, the template and versions/; a second init creates nothing."""
    app = make_app(sqlite_url, ships())
    result = run_db(app, "init")
    assert "Created migrations/env.py" in result.output
    assert (project / "migrations" / "script.py.mako").is_file()
    assert (project / "migrations" / "versions").is_dir()
    assert "run_migrations()" in (project / "migrations" / "env.py").read_text()
    assert "already set up" in run_db(app, "init").output


def test_commands_before_init_say_what_to_do(run_db: DbRunner, sqlite_url: str) -> None:
    """Without a migrations folder, makemigrations fails and points at `schooner db init`."""
    result = run_db(make_app(sqlite_url, ships()), "makemigrations", "-m", "x", ok=False)
    assert result.exit_code == 1
    assert "Run `schooner db init`" in result.output


def test_full_cycle(run_db: DbRunner, project: Path, sqlite_url: str) -> None:
    """makemigrations → migrate → no changes → history/current → downgrade to base."""
    app = make_app(sqlite_url, ships())
    run_db(app, "init")
    made = run_db(app, "makemigrations", "-m", "create ships").output
    assert "+ table ships" in made
    (first,) = revisions(project)
    assert first.name.endswith("_create_ships.py")
    assert "ships" not in tables(sqlite_url)

    applied = run_db(app, "migrate").output
    assert "Applied" in applied
    assert "create ships" in applied
    assert tables(sqlite_url) == {"ships", "alembic_version"}
    assert "Nothing to apply." in run_db(app, "migrate").output

    assert run_db(app, "makemigrations", "-m", "nothing").output.strip() == "No changes detected."
    assert revisions(project) == [first]

    revision = first.name.split("_")[3]
    assert f"base -> {revision} (head)  create ships" in run_db(app, "history").output
    assert run_db(app, "current").output.strip() == f"default: {revision} (latest)"

    assert f"Reverted {revision}" in run_db(app, "downgrade", "base").output
    assert tables(sqlite_url) == {"alembic_version"}
    assert "no migration applied (migrations are pending)" in run_db(app, "current").output


def test_makemigrations_needs_a_migrated_database(run_db: DbRunner, sqlite_url: str) -> None:
    """Autogenerating against a database behind the migrations is refused with the fix."""
    app = make_app(sqlite_url, ships())
    run_db(app, "init")
    run_db(app, "makemigrations", "-m", "create ships")
    result = run_db(app, "makemigrations", "-m", "again", ok=False)
    assert result.exit_code == 1
    assert "Run `schooner db migrate` first" in result.output


def test_check_passes_in_sync_and_names_each_difference(run_db: DbRunner, sqlite_url: str) -> None:
    """check exits 0 when in sync, 1 with a readable list when a model changed."""
    run_db(make_app(sqlite_url, ships()), "init")
    run_db(make_app(sqlite_url, ships()), "makemigrations", "-m", "create ships")
    run_db(make_app(sqlite_url, ships()), "migrate")
    assert "models and migrations agree" in run_db(make_app(sqlite_url, ships()), "check").output

    edited = make_app(sqlite_url, ships(tonnage=True, name_length=80))
    result = run_db(edited, "check", ok=False)
    assert result.exit_code == 1
    assert "+ column ships.tonnage (INTEGER)" in result.stderr
    assert "~ type of ships.name: VARCHAR(50) -> VARCHAR(80)" in result.stderr
    assert "schooner db makemigrations" in result.stderr


def test_an_edit_becomes_a_batch_migration_that_applies(
    run_db: DbRunner, project: Path, sqlite_url: str
) -> None:
    """A changed column type is written in batch mode, which SQLite can apply and revert."""
    run_db(make_app(sqlite_url, ships()), "init")
    run_db(make_app(sqlite_url, ships()), "makemigrations", "-m", "create ships")
    run_db(make_app(sqlite_url, ships()), "migrate")
    edited = make_app(sqlite_url, ships(tonnage=True, name_length=80))
    run_db(edited, "makemigrations", "-m", "tonnage and longer names")
    second = revisions(project)[-1].read_text()
    assert "with op.batch_alter_table('ships'" in second
    assert "type_=sa.String(length=80)" in second
    run_db(edited, "migrate")
    assert "agree" in run_db(edited, "check").output
    run_db(edited, "downgrade", "-1")
    columns = {c["name"] for c in inspect_columns(sqlite_url, "ships")}
    assert columns == {"id", "name"}


def inspect_columns(url: str, table: str) -> list[dict[str, object]]:
    """The columns of ``table`` as the database reports them."""
    db = Database(url)
    try:
        return list(inspect(db.sync_engine).get_columns(table))  # type: ignore[arg-type]
    finally:
        db.sync_engine.dispose()


def test_schooner_types_are_written_portably(
    run_db: DbRunner, project: Path, sqlite_url: str
) -> None:
    """UTCDateTime and utcnow() appear by name, with their import, not as SQLite SQL."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    Table(
        "events",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime(), server_default=utcnow(), nullable=False),
    )
    app = make_app(sqlite_url, metadata)
    run_db(app, "init")
    run_db(app, "makemigrations", "-m", "events")
    (path,) = revisions(project)
    text = path.read_text()
    assert "from schooner.contrib import orm" in text
    assert "sa.Column('at', orm.UTCDateTime(), server_default=orm.utcnow()" in text
    assert "strftime" not in text
    run_db(app, "migrate")
    assert "agree" in run_db(app, "check").output


def test_each_database_has_its_own_versions(
    run_db: DbRunner, project: Path, sqlite_url: str
) -> None:
    """Two databases: one `db` group, two versions folders, --database picks one."""
    analytics = MetaData(naming_convention=NAMING_CONVENTION)
    Table("visits", analytics, Column("id", Integer, primary_key=True))
    other_url = f"sqlite+aiosqlite:///{project / 'analytics.db'}"
    app = App(
        components=[
            Database(sqlite_url, metadata=ships()),
            Database(other_url, name="analytics", metadata=analytics),
            Migrations(),
        ]
    )
    assert [c.name for c in app.commands] == ["db"]
    run_db(app, "init")
    made = run_db(app, "makemigrations", "-m", "initial").output
    assert "[default] Created migrations/versions/" in made
    assert "[analytics] Created migrations/versions_analytics/" in made
    assert len(revisions(project)) == len(revisions(project, "versions_analytics")) == 1

    run_db(app, "migrate", "--database", "analytics")
    assert tables(other_url) == {"visits", "alembic_version"}
    assert "ships" not in tables(sqlite_url)
    current = run_db(app, "current").output
    assert "default: no migration applied" in current
    assert "analytics: " in current
    assert "(latest)" in current

    run_db(app, "migrate")
    assert tables(sqlite_url) == {"ships", "alembic_version"}
    unknown = run_db(app, "current", "--database", "nope", ok=False)
    assert unknown.exit_code == 2
    assert "the app has no database 'nope'" in unknown.output


def test_migrate_from_code(run_db: DbRunner, sqlite_url: str) -> None:
    """migrate(app) applies what `schooner db migrate` would; a missing folder is an error."""
    app = make_app(sqlite_url, ships())
    with pytest.raises(MigrationError, match="schooner db init"):
        migrate(app)
    run_db(app, "init")
    run_db(app, "makemigrations", "-m", "create ships")
    assert migrate(app) == 1
    assert migrate(app) == 0
    assert "ships" in tables(sqlite_url)


def test_the_db_group_through_the_schooner_command(project: Path, sqlite_url: str) -> None:
    """`schooner --app FILE db …` finds the group the database component contributed."""
    (project / "shipyard.py").write_text(
        textwrap.dedent(
            f"""
            from sqlalchemy import Column, Integer, MetaData, Table
            from schooner import App
            from schooner.contrib.migrations import Migrations
            from schooner.contrib.orm import Database

            metadata = MetaData()
            Table("docks", metadata, Column("id", Integer, primary_key=True))
            app = App(components=[Database({sqlite_url!r}, metadata=metadata), Migrations()])
            """
        )
    )
    runner = CliRunner()
    for args in (["init"], ["makemigrations", "-m", "docks"], ["migrate"], ["check"]):
        result = runner.invoke(main, ["--app", "shipyard.py", "db", *args])
        assert result.exit_code == 0, result.output
    assert "agree" in result.output
    assert "db" in runner.invoke(main, ["--app", "shipyard.py", "--help"]).output


def test_importing_the_battery_does_not_import_alembic() -> None:
    """An app with a database is built without importing Alembic (only `db` commands do)."""
    code = (
        "import sys\n"
        "from schooner import App\n"
        "from schooner.contrib.migrations import Migrations\n"
        "from schooner.contrib.orm import Database\n"
        "App(components=[Database('sqlite+aiosqlite://'), Migrations()]).build()\n"
        "print('alembic' in sys.modules)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "False"


def test_templates_ship_with_the_package() -> None:
    """env.py and the revision template are package data next to the modules."""
    from importlib.resources import files

    templates = files("schooner.contrib.migrations") / "templates"
    assert "run_migrations()" in (templates / "env.py.tmpl").read_text()
    assert "def upgrade() -> None:" in (templates / "script.py.mako").read_text()
