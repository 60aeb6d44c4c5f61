"""Migrations shipped by components (``MigrationFolders``): a branch of the project's graph.

The test component ships the revisions in ``harbour/`` (its table, then a later release's
column); the project's ``ships`` table has a foreign key to the component's table.
"""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, inspect

from schooner import App
from schooner.contrib.migrations import MigrationError, MigrationFolders, Migrations, migrate
from schooner.contrib.orm import NAMING_CONVENTION, Database
from schooner.exceptions import ImproperlyConfigured

from .conftest import DbRunner

HARBOUR = Path(__file__).parent / "harbour"
FIRST, SECOND = sorted(HARBOUR.glob("*.py"))
FIRST_ID, SECOND_ID = "a1b2c3d4e5f6", "b2c3d4e5f6a7"


class Harbourmaster:
    """A component that owns one table, ``harbour_docks``, and ships its migrations."""

    def __init__(self, folder: Path, *, label: str = "harbour", name: str = "harbourmaster"):
        self.folder = folder
        self.label = label
        self.name = name

    def setup(self, app: App) -> None:
        """Nothing to add to the app: the component only owns tables."""

    def migration_folders(self) -> Mapping[str, Path]:
        """Its one branch."""
        return {self.label: self.folder}


def schema(*, depth: bool = False, ship_columns: Sequence[str] = ()) -> MetaData:
    """The component's table (with its later ``depth``) and the project's ``ships``."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    docks = [Column("id", Integer, primary_key=True), Column("name", String(80), nullable=False)]
    if depth:
        docks.append(Column("depth", Integer, nullable=True))
    Table("harbour_docks", metadata, *docks)
    Table(
        "ships",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("dock_id", ForeignKey("harbour_docks.id"), nullable=False),
        *(Column(name, Integer, nullable=True) for name in ship_columns),
    )
    return metadata


def make_app(url: str, *components: object, metadata: MetaData | None = None) -> App:
    """An app with a default database of ``metadata`` (``schema()``) and ``components``."""
    database = Database(url, metadata=metadata if metadata is not None else schema())
    return App(components=[database, Migrations(), *components])  # type: ignore[list-item]


def tables(url: str) -> set[str]:
    """The tables that exist in the database at ``url``."""
    db = Database(url)
    try:
        return set(inspect(db.sync_engine).get_table_names())
    finally:
        db.sync_engine.dispose()


def created(output: str) -> Path:
    """The file a makemigrations run reports it wrote."""
    match = re.search(r"Created (\S+\.py)", output)
    assert match is not None, output
    return Path(match.group(1)).resolve()


def identifiers(path: Path) -> dict[str, object]:
    """The ``revision``, ``down_revision`` and ``depends_on`` a migration file declares."""
    return {
        node.target.id: ast.literal_eval(node.value)
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.value is not None
    }


@pytest.fixture
def shipped(project: Path) -> Path:
    """The component's folder, holding its first revision (a test may add the second)."""
    folder = project / "harbour"
    folder.mkdir()
    shutil.copy(FIRST, folder)
    return folder


def migrated(run_db: DbRunner, app: App) -> str:
    """init, migrate (the component's branch), makemigrations, migrate; the project's id."""
    run_db(app, "init")
    run_db(app, "migrate")
    path = created(run_db(app, "makemigrations", "-m", "ships").output)
    run_db(app, "migrate")
    return str(identifiers(path)["revision"])


def test_a_component_is_one_by_its_method(shipped: Path) -> None:
    """Any object with ``migration_folders()`` is a MigrationFolders; Migrations() is not."""
    assert isinstance(Harbourmaster(shipped), MigrationFolders)
    assert not isinstance(Migrations(), MigrationFolders)


def test_the_component_branch_and_the_project_migrate_together(
    run_db: DbRunner, project: Path, shipped: Path, database_url: str
) -> None:
    """The branch migrates first, the project's FK table after it, check agrees, base drops both."""
    app = make_app(database_url, Harbourmaster(shipped))
    run_db(app, "init")
    pending = run_db(app, "current").output
    assert "default: no migration applied (migrations are pending)" in pending
    assert f"pending {FIRST_ID} (harbour)  create docks" in pending
    assert f"Applied {FIRST_ID} (harbour)  create docks" in run_db(app, "migrate").output
    assert tables(database_url) == {"alembic_version", "harbour_docks"}

    made = run_db(app, "makemigrations", "-m", "ships").output
    assert "+ table ships" in made
    assert "harbour_docks" not in made  # the component's migration already made it
    path = created(made)
    assert path.parent == project / "migrations" / "versions"
    declared = identifiers(path)
    assert declared["down_revision"] is None
    assert declared["depends_on"] == FIRST_ID
    assert [p.name for p in shipped.glob("*.py")] == [FIRST.name]

    ships = str(declared["revision"])
    assert f"Applied {ships}  ships" in run_db(app, "migrate").output
    assert tables(database_url) == {"alembic_version", "harbour_docks", "ships"}
    db = Database(database_url)
    (fk,) = inspect(db.sync_engine).get_foreign_keys("ships")
    db.sync_engine.dispose()
    assert fk["referred_table"] == "harbour_docks"
    assert "models and migrations agree" in run_db(app, "check").output
    assert run_db(app, "current").output.strip() == f"default: {ships} (latest)"
    history = run_db(app, "history").output
    assert f"base -> {ships} (head)  ships" in history
    assert f"base -> {FIRST_ID} (harbour) (head)  create docks" in history

    reverted = run_db(app, "downgrade", "base").output
    assert reverted.index(f"Reverted {ships}") < reverted.index(f"Reverted {FIRST_ID} (harbour)")
    assert tables(database_url) == {"alembic_version"}


def test_a_new_release_of_the_component_is_pending_then_depended_on(
    run_db: DbRunner, shipped: Path, sqlite_url: str
) -> None:
    """A revision added to the branch is pending; the next project revision depends on it."""
    ships = migrated(run_db, make_app(sqlite_url, Harbourmaster(shipped)))
    shutil.copy(SECOND, shipped)
    app = make_app(sqlite_url, Harbourmaster(shipped), metadata=schema(depth=True))
    current = run_db(app, "current").output
    assert f"default: {ships} (behind the latest: 1 pending)" in current
    assert f"pending {SECOND_ID} (harbour)  docks depth" in current
    refused = run_db(app, "check", ok=False)
    assert refused.exit_code == 1
    assert "Run `schooner db migrate` first" in refused.output

    applied = run_db(app, "migrate").output
    assert applied.count("Applied") == 1
    assert f"Applied {SECOND_ID} (harbour)  docks depth" in applied
    assert "agree" in run_db(app, "check").output

    crew = make_app(
        sqlite_url, Harbourmaster(shipped), metadata=schema(depth=True, ship_columns=["crew"])
    )
    declared = identifiers(created(run_db(crew, "makemigrations", "-m", "crew").output))
    assert declared["down_revision"] == ships
    assert declared["depends_on"] == SECOND_ID
    run_db(crew, "migrate")

    # The project's line already depends on the branch's latest revision: not again.
    cargo = make_app(
        sqlite_url,
        Harbourmaster(shipped),
        metadata=schema(depth=True, ship_columns=["crew", "cargo"]),
    )
    declared = identifiers(created(run_db(cargo, "makemigrations", "-m", "cargo").output))
    assert declared["depends_on"] is None
    run_db(cargo, "migrate")
    assert "agree" in run_db(cargo, "check").output


def test_migrate_from_code_includes_the_components(
    run_db: DbRunner, shipped: Path, sqlite_url: str
) -> None:
    """migrate(app) applies the branch too; a lone Database cannot, and says why."""
    app = make_app(sqlite_url, Harbourmaster(shipped))
    migrated(run_db, app)
    run_db(app, "downgrade", "base")
    assert migrate(make_app(sqlite_url, Harbourmaster(shipped))) == 2
    assert tables(sqlite_url) == {"alembic_version", "harbour_docks", "ships"}
    with pytest.raises(MigrationError, match=f"depends on revision '{FIRST_ID}'.*App"):
        migrate(Database(sqlite_url, metadata=schema()))


def test_a_step_back_names_the_line_when_several_are_applied(
    run_db: DbRunner, shipped: Path, sqlite_url: str
) -> None:
    """With the database at a revision per line, '-1' is refused with the ways to say it."""
    ships = migrated(run_db, make_app(sqlite_url, Harbourmaster(shipped)))
    shutil.copy(SECOND, shipped)
    app = make_app(sqlite_url, Harbourmaster(shipped), metadata=schema(depth=True))
    run_db(app, "migrate")
    both = ", ".join(sorted([SECOND_ID, ships]))
    assert run_db(app, "current").output.strip() == f"default: {both} (latest)"

    refused = run_db(app, "downgrade", "-1", ok=False)
    assert refused.exit_code == 1
    assert "`harbour@-1`" in refused.output
    assert f"`{ships}@-1`" in refused.output
    assert f"Reverted {SECOND_ID}" in run_db(app, "downgrade", "harbour@-1").output
    assert "depth" not in {c["name"] for c in inspect_columns(sqlite_url, "harbour_docks")}
    assert f"Reverted {ships}" in run_db(app, "downgrade", "-1").output
    assert tables(sqlite_url) == {"alembic_version", "harbour_docks"}


def inspect_columns(url: str, table: str) -> list[dict[str, object]]:
    """The columns of ``table`` as the database reports them."""
    db = Database(url)
    try:
        return list(inspect(db.sync_engine).get_columns(table))  # type: ignore[arg-type]
    finally:
        db.sync_engine.dispose()


def test_only_the_default_database_takes_the_components_migrations(
    run_db: DbRunner, project: Path, shipped: Path, sqlite_url: str
) -> None:
    """A named database keeps to its own versions folder."""
    analytics = MetaData(naming_convention=NAMING_CONVENTION)
    Table("visits", analytics, Column("id", Integer, primary_key=True))
    other_url = f"sqlite+aiosqlite:///{project / 'analytics.db'}"
    app = App(
        components=[
            Database(sqlite_url, metadata=schema()),
            Database(other_url, name="analytics", metadata=analytics),
            Migrations(),
            Harbourmaster(shipped),  # type: ignore[list-item]
        ]
    )
    run_db(app, "init")
    assert "No migrations yet." in run_db(app, "history", "--database", "analytics").output
    run_db(app, "migrate")
    assert tables(sqlite_url) == {"alembic_version", "harbour_docks"}
    assert tables(other_url) == {"alembic_version"}


def test_an_empty_folder_names_the_component(
    run_db: DbRunner, project: Path, sqlite_url: str
) -> None:
    """A folder without revisions is refused, naming the component and what to add."""
    (project / "empty").mkdir()
    app = make_app(sqlite_url, Harbourmaster(project / "empty"))
    run_db(app, "init")
    result = run_db(app, "migrate", ok=False)
    assert result.exit_code == 1
    assert "component 'harbourmaster'" in result.output
    assert "has no revision file" in result.output
    assert "branch_labels = ('harbour',)" in result.output


def test_a_revision_without_the_label_names_the_fix(
    run_db: DbRunner, project: Path, sqlite_url: str
) -> None:
    """The branch's first revision must carry the label; the error shows the line to write."""
    folder = project / "unlabelled"
    folder.mkdir()
    text = FIRST.read_text().replace('("harbour",)', "None")
    (folder / FIRST.name).write_text(text)
    app = make_app(sqlite_url, Harbourmaster(folder))
    run_db(app, "init")
    with pytest.raises(MigrationError, match="component 'harbourmaster'") as error:
        migrate(app)
    assert f"Revision {FIRST_ID}" in str(error.value)
    assert "must say branch_labels = ('harbour',)" in str(error.value)


@pytest.mark.parametrize(
    ("components", "message"),
    [
        ([Harbourmaster(HARBOUR, label="harbour-2")], "letters, digits and underscores"),
        ([Harbourmaster(HARBOUR, label="heads")], "Alembic reserves"),
        ([Harbourmaster(HARBOUR / "missing")], "which is not a folder"),
        (
            [Harbourmaster(HARBOUR), Harbourmaster(HARBOUR.parent, name="other")],
            "'harbourmaster' and 'other' both ship migrations for the branch 'harbour'",
        ),
        (
            [Harbourmaster(HARBOUR), Harbourmaster(HARBOUR, label="dock", name="other")],
            "a folder belongs to one branch",
        ),
    ],
)
def test_bad_migration_folders_are_configuration_errors(
    run_db: DbRunner, sqlite_url: str, components: list[Harbourmaster], message: str
) -> None:
    """Labels Alembic cannot parse, missing folders and doubles are refused with the fix."""
    app = make_app(sqlite_url, *components)
    run_db(app, "init")
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        migrate(app)
    result = run_db(app, "history", ok=False)
    assert result.exit_code == 1
    assert message in result.output.replace("\n", " ")


def test_the_projects_versions_folder_is_not_a_components(
    run_db: DbRunner, project: Path, sqlite_url: str
) -> None:
    """A component cannot ship the project's own versions folder."""
    app = make_app(sqlite_url, Harbourmaster(project / "migrations" / "versions"))
    run_db(app, "init")
    with pytest.raises(MigrationError, match="is the project's own versions folder"):
        migrate(app)


def test_two_project_lines_must_be_merged_first(
    run_db: DbRunner, project: Path, shipped: Path, sqlite_url: str
) -> None:
    """Two latest project revisions (written in parallel) stop makemigrations with the fix."""
    app = make_app(sqlite_url, Harbourmaster(shipped))
    run_db(app, "init")
    for revision in ("c0ffee000001", "c0ffee000002"):
        (project / "migrations" / "versions" / f"{revision}.py").write_text(
            f'"""parallel {revision}"""\n\nrevision = {revision!r}\ndown_revision = None\n'
            "branch_labels = None\ndepends_on = None\n\n\n"
            "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
        )
    run_db(app, "migrate")
    result = run_db(app, "makemigrations", "-m", "more", ok=False)
    assert result.exit_code == 1
    assert "2 latest revisions (c0ffee000001, c0ffee000002)" in result.output
    assert "merges them" in result.output
