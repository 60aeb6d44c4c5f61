"""``schooner db shell`` runs the database's own client with arguments from the URL."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from schooner import App
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import Database

from .conftest import DbRunner


@pytest.fixture
def execs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str], dict[str, str]]]:
    """Record os.execvpe calls instead of replacing the test process; every client exists."""
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(os, "execvpe", lambda file, argv, env: calls.append((file, argv, env)))
    return calls


@pytest.mark.parametrize(
    ("url", "argv", "env"),
    [
        ("sqlite+aiosqlite:////srv/app/app.db", ["sqlite3", "/srv/app/app.db"], {}),
        (
            "postgresql+asyncpg://ada:s3cret@db.example:5433/shop",
            ["psql", "--host=db.example", "--port=5433", "--username=ada", "--dbname=shop"],
            {"PGPASSWORD": "s3cret"},
        ),
        ("postgres://db.example/shop", ["psql", "--host=db.example", "--dbname=shop"], {}),
        (
            "mysql+aiomysql://root:pw@127.0.0.1:3306/shop",
            [
                "mariadb",
                "--host=127.0.0.1",
                "--port=3306",
                "--user=root",
                "--default-character-set=utf8mb4",
                "--database=shop",
            ],
            {"MYSQL_PWD": "pw"},
        ),
    ],
)
def test_client_argv(
    run_db: DbRunner, execs: list[Any], url: str, argv: list[str], env: dict[str, str]
) -> None:
    """The client gets host, port, user and database; the password only in its environment."""
    run_db(App(components=[Database(url), Migrations()]), "shell")
    ((program, called, environment),) = execs
    assert program == argv[0]
    assert called == argv
    assert not any("s3cret" in arg or arg == "pw" for arg in called)
    for key, value in env.items():
        assert environment[key] == value
    assert environment["PATH"] == os.environ["PATH"]


def test_named_database(run_db: DbRunner, execs: list[Any]) -> None:
    """--database opens the named database's client."""
    app = App(
        components=[
            Database("sqlite+aiosqlite:////srv/main.db"),
            Database("sqlite+aiosqlite:////srv/analytics.db", name="analytics"),
            Migrations(),
        ]
    )
    run_db(app, "shell", "--database", "analytics")
    assert execs[0][1] == ["sqlite3", "/srv/analytics.db"]


def test_missing_client(run_db: DbRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client that is not installed is a clear error, not a traceback."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = run_db(
        App(components=[Database("postgresql://db/shop"), Migrations()]), "shell", ok=False
    )
    assert result.exit_code == 1
    assert "`psql`, the client for this database, is not installed" in result.output
