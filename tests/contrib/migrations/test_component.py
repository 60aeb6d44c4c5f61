"""The ``Migrations`` component: ``schooner db`` for an app's databases, built on the ORM."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import schooner.contrib.orm
from schooner import App
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import Database
from schooner.exceptions import ImproperlyConfigured

from .conftest import DbRunner


def imported_modules(package: Path) -> set[str]:
    """Every module the package's files import, at the top or inside functions."""
    found: set[str] = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def test_the_orm_does_not_import_migrations() -> None:
    """Migrations build on the ORM, never the reverse (DESIGN's battery arrows)."""
    package = Path(schooner.contrib.orm.__file__).parent
    assert not {m for m in imported_modules(package) if m.startswith("schooner.contrib.migr")}


def test_the_db_commands_come_with_the_component(sqlite_url: str) -> None:
    """A Database alone contributes no command; Migrations() adds the `db` group."""
    assert App(components=[Database(sqlite_url)]).commands == []
    app = App(components=[Database(sqlite_url), Migrations()])
    assert [command.name for command in app.commands] == ["db"]


def test_migrations_need_a_database_first(sqlite_url: str) -> None:
    """Without a Database before it, the component says how to list them."""
    with pytest.raises(ImproperlyConfigured, match=r"move Database\(\) before Migrations\(\)"):
        App(components=[Migrations(), Database(sqlite_url)])
    with pytest.raises(ImproperlyConfigured, match=r"add Database\(\) before Migrations\(\)"):
        App(components=[Migrations()])


def test_the_component_names_the_migrations_folder(
    run_db: DbRunner, project: Path, sqlite_url: str
) -> None:
    """The commands use ``Migrations(directory=...)`` unless --directory says otherwise."""
    app = App(components=[Database(sqlite_url), Migrations(directory=project / "schema")])
    assert "Created schema/env.py" in run_db(app, "init").output
    assert (project / "schema" / "versions").is_dir()
    assert "Created elsewhere/env.py" in run_db(app, "--directory", "elsewhere", "init").output
    assert repr(Migrations(directory="db")) == "Migrations(directory='db')"
