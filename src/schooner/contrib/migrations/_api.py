"""Migrations from code: ``migrate(app)`` in a test fixture or a deploy script."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from schooner.contrib.migrations._folders import branches_of
from schooner.contrib.migrations._hooks import LATEST, run_after_migrate
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

    Given an app, the migrations its components ship (``MigrationFolders``) are applied
    too, and once a database is at its latest revision its components' ``after_migrate``
    runs (``AfterMigrate``); a lone ``Database`` knows no components, so it gets the
    project's folder only.

    Args:
        target: a database component, or an app (every one of its databases).
        revision: where to stop; the latest revision by default.
        directory: the project's migrations folder.

    Returns:
        How many migrations ran.

    Raises:
        MigrationError: the folder is missing, Alembic refused, or a component's
            ``after_migrate`` failed (the message says why).
        ImproperlyConfigured: ``target`` has no database, or a component's
            ``migration_folders()`` is wrong (the message says how).
    """
    from schooner.contrib.migrations._alembic import Migrations

    databases = [target] if isinstance(target, Database) else list(databases_of(target).values())
    if not databases:
        raise ImproperlyConfigured(f"{target!r} has no Database component to migrate.")
    components = [] if isinstance(target, Database) else target.components
    folder = Path(directory).resolve()
    ran = 0
    for db in databases:
        branches = branches_of(components, database=db.alias)
        ran += Migrations(db, folder, branches=branches, report=lambda line: None).upgrade(revision)
        if revision in LATEST:
            run_after_migrate(components, db)
    return ran
