"""The battery's migration: ``schooner db migrate`` creates ``admin_log`` after the account
tables, and the model and the revision agree on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import MetaData, inspect

from contrib._servers import require_server
from schooner import App, Settings
from schooner.contrib.admin import Admin
from schooner.contrib.auth import Auth
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import NAMING_CONVENTION, Database, Model
from schooner.contrib.orm.testing import TestDatabase
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates


def battery_metadata() -> MetaData:
    """The account tables and the admin's, without the other tests' models."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    for table in Model.metadata.sorted_tables:
        if table.name.startswith(("auth_", "admin_log")):
            table.to_metadata(metadata)
    return metadata


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the backend, dropped after the test."""
    server = require_server(backend)
    database = TestDatabase(server, metadata=(), folder=tmp_path, prefix="schooner_adminmig_")
    database.run(database.create())
    try:
        yield database.url
    finally:
        database.run(database.drop())


def run_db(app: App, *args: str) -> Result:
    """``schooner db ARGS`` in-process; it must succeed."""
    (group,) = [c for c in app.commands if isinstance(c, click.Group) and c.name == "db"]
    result = CliRunner().invoke(group, list(args), prog_name="schooner db")
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_migrate_creates_the_log_after_the_account_tables(
    database_url: str, tmp_path: Path
) -> None:
    """The admin branch applies after auth's first revision; check finds no difference
    between the model and the revision; downgrading to base removes the table."""
    app = App(
        settings=Settings(secret_key="m" * 40),
        components=[
            Database(database_url, metadata=battery_metadata()),
            Migrations(directory=tmp_path / "migrations"),
            Sessions(),
            Templates(tmp_path),
            Forms(),
            CSRF(),
            Mail("memory", base_url="https://example.com", default_from="a@example.com"),
            Auth(),
            Admin(),
        ],
    )
    run_db(app, "init")
    output = run_db(app, "migrate").output
    assert output.index("(auth)") < output.index("(admin)")
    engine = Database(database_url).sync_engine
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"admin_log", "auth_user"} <= tables
        indexes = {i["name"] for i in inspect(engine).get_indexes("admin_log")}
        assert {"ix_admin_log_at", "ix_admin_log_object"} <= indexes
    finally:
        engine.dispose()
    assert "models and migrations agree" in run_db(app, "check").output
    run_db(app, "downgrade", "base")
    engine = Database(database_url).sync_engine
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
