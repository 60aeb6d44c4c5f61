"""Fixtures for the migration tests: a working folder, throwaway databases on each backend.

Each test that asks for ``database_url`` gets a new, empty database on its backend (SQLite
in ``tmp_path``; PostgreSQL and MariaDB when their servers answer), dropped afterwards.
With ``CI=true`` an unreachable server fails the test instead of skipping it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import MetaData

from contrib._servers import require_server
from schooner import App
from schooner.contrib.orm.testing import TestDatabase


@pytest.fixture(autouse=True)
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Run in ``tmp_path`` (the project folder); undo sys.path and modules imported there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCHOONER_MIGRATIONS", raising=False)
    path = list(sys.path)
    before = set(sys.modules)
    yield tmp_path
    sys.path[:] = path
    for name in set(sys.modules) - before:
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def server_database(backend: str, folder: Path, metadata: Sequence[MetaData] = ()) -> Iterator[str]:
    """Create a database on ``backend`` with the tables of ``metadata``, yield its URL, drop it."""
    server = require_server(backend)
    database = TestDatabase(server, metadata=metadata, folder=folder, prefix="schooner_mig_")
    database.run(database.create())
    try:
        yield database.url
    finally:
        database.run(database.drop())


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that asks for a backend runs once per backend."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database on the backend, dropped after the test."""
    yield from server_database(backend, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file in the project folder."""
    return f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"


DbRunner = Callable[..., Result]


def db_group(app: App) -> click.Command:
    """The ``db`` command group the app's database component contributed."""
    (group,) = [command for command in app.commands if command.name == "db"]
    return group


@pytest.fixture
def run_db() -> DbRunner:
    """Run ``schooner db ARGS`` for an app in-process; return click's result."""

    def run(app: App, *args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(db_group(app), list(args), prog_name="schooner db")
        if ok:
            assert result.exit_code == 0, result.output + repr(result.exception)
        return result

    return run
