"""Migrations from code: ``migrate(app)`` in a test fixture or a deploy script."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from schooner.contrib.orm import Database, databases_of
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["migrate"]


def migrate(
    target: App | Database,
    revision: str = "heads",
    *,
    directory: str | Path = "migrations",
) -> int:
    """Apply the migrations in ``directory`` to ``target``, as ``schooner db migrate`` does.

    Args:
        target: a database component, or an app (every one of its databases).
        revision: where to stop; the latest revision by default.
        directory: the project's migrations folder.

    Returns:
        How many migrations ran.

    Raises:
        MigrationError: the folder is missing, or Alembic refused (the message says why).
        ImproperlyConfigured: ``target`` has no database.
    """
    from schooner.contrib.migrations._alembic import Migrations

    databases = [target] if isinstance(target, Database) else list(databases_of(target).values())
    if not databases:
        raise ImproperlyConfigured(f"{target!r} has no Database component to migrate.")
    folder = Path(directory).resolve()
    return sum(
        Migrations(db, folder, report=lambda line: None).upgrade(revision) for db in databases
    )
