"""The battery's migrations: ``schooner db migrate`` creates every account table, the
models and the revision agree on each backend, and a project's table can refer to users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from contrib._servers import require_server
from schooner import App, Settings
from schooner.contrib.auth import Auth, Permission
from schooner.contrib.mail import Mail
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import NAMING_CONVENTION, Database, IntPK, Model
from schooner.contrib.orm.testing import TestDatabase
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

ACCOUNT_TABLES = {
    "auth_api_token",
    "auth_event",
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "auth_recovery_code",
    "auth_refresh_token",
    "auth_totp_device",
    "auth_user",
    "auth_user_groups",
    "auth_user_permissions",
    "auth_webauthn_credential",
}


def account_metadata(*, with_notes: bool = False) -> MetaData:
    """The battery's tables (and, with ``with_notes``, a project table referring to users),
    without the other tests' models that share ``Model.metadata``."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for table in Model.metadata.sorted_tables:
        if table.name.startswith("auth_"):
            table.to_metadata(metadata)
    if with_notes:
        Table(
            "notes",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("owner_id", ForeignKey("auth_user.id", ondelete="CASCADE"), nullable=False),
        )
    return metadata


PROJECT = account_metadata()
"""A project's models next to the account tables (copies: the battery's own models, whose
tables are on ``Model.metadata``, are not among the project's)."""


class HarbourModel(Model):
    """The abstract base of the project's models, on ``PROJECT``."""

    __abstract__ = True
    metadata = PROJECT


class Berth(IntPK, HarbourModel):
    """A model of the project, whose permissions the migrate stores."""

    __tablename__ = "harbour_berths"
    __app_label__ = "harbour"

    name: Mapped[str] = mapped_column(String(50))


REPORTS = ("reports", "export", "Can export reports")
BERTH_PERMISSIONS = {f"harbour.{action}_berth" for action in ("view", "add", "change", "delete")}


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the backend, dropped after the test."""
    server = require_server(backend)
    database = TestDatabase(server, metadata=(), folder=tmp_path, prefix="schooner_authmig_")
    database.run(database.create())
    try:
        yield database.url
    finally:
        database.run(database.drop())


def make_app(url: str, tmp_path: Path, metadata: MetaData, **options: Any) -> App:
    """An app with migrations and the accounts battery (``Auth(**options)``) on ``url``."""
    return App(
        settings=Settings(secret_key="m" * 40),
        components=[
            Database(url, metadata=metadata),
            Migrations(directory=tmp_path / "migrations"),
            Sessions(),
            Templates(tmp_path),
            Mail("memory", base_url="https://example.com", default_from="a@example.com"),
            Auth(pages=False, **options),
        ],
    )


def run_db(app: App, *args: str) -> Result:
    """``schooner db ARGS`` in-process; it must succeed."""
    (group,) = [c for c in app.commands if isinstance(c, click.Group) and c.name == "db"]
    result = CliRunner().invoke(group, list(args), prog_name="schooner db")
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def tables(url: str) -> set[str]:
    """The tables in the database at ``url``."""
    db = Database(url)
    try:
        return set(inspect(db.sync_engine).get_table_names())
    finally:
        db.sync_engine.dispose()


def test_migrate_creates_the_account_tables_and_check_agrees(
    database_url: str, tmp_path: Path
) -> None:
    """The shipped revision makes exactly the models' tables; check finds no difference;
    a project table referring to auth_user migrates after it; base removes everything."""
    app = make_app(database_url, tmp_path, account_metadata())
    run_db(app, "init")
    assert "(auth)" in run_db(app, "migrate").output
    assert tables(database_url) == ACCOUNT_TABLES | {"alembic_version"}
    assert "models and migrations agree" in run_db(app, "check").output

    project = make_app(database_url, tmp_path, account_metadata(with_notes=True))
    made = run_db(project, "makemigrations", "-m", "notes").output
    assert "+ table notes" in made
    assert "auth_user" not in made.replace("notes", "")
    run_db(project, "migrate")
    assert "notes" in tables(database_url)
    run_db(project, "downgrade", "base")
    assert tables(database_url) == {"alembic_version"}


def stored_permissions(url: str) -> list[str]:
    """The permissions stored in ``auth_permission`` at ``url``, as ``label.codename``."""
    db = Database(url)
    try:
        with db.sync_engine.connect() as connection:
            rows = connection.execute(select(Permission.label, Permission.codename))
            return sorted(f"{label}.{codename}" for label, codename in rows)
    finally:
        db.sync_engine.dispose()


def test_migrate_stores_the_permissions_of_the_models(database_url: str, tmp_path: Path) -> None:
    """``schooner db migrate`` stores the declared permissions, and those of a model as soon
    as the migrate that creates its table; a migrate with nothing to apply stores nothing."""
    app = make_app(database_url, tmp_path, account_metadata(), permissions=[REPORTS])
    run_db(app, "init")
    run_db(app, "migrate")
    assert stored_permissions(database_url) == ["reports.export"]

    project = make_app(database_url, tmp_path, PROJECT, permissions=[REPORTS])
    assert "+ table harbour_berths" in run_db(project, "makemigrations", "-m", "berths").output
    run_db(project, "migrate")
    stored = stored_permissions(database_url)
    assert stored == sorted({"reports.export"} | BERTH_PERMISSIONS)
    assert "Nothing to apply." in run_db(project, "migrate").output
    assert stored_permissions(database_url) == stored
