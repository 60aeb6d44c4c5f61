"""Migrations for the database battery: Alembic behind ``schooner db``.

Add :class:`Migrations` after the app's :class:`~schooner.contrib.orm.Database` components
and the app gets the ``schooner db`` commands::

    app = App(components=[Database(config=DatabaseConfig.from_env()), Migrations()])

::

    schooner db init                          # migrations/ with env.py and versions/
    schooner db makemigrations -m "add items" # a migration for what the models changed
    schooner db migrate                       # apply (to a revision: migrate REV)
    schooner db downgrade -1                  # revert the last one
    schooner db history / current             # what exists, what is applied
    schooner db check                         # non-zero when models and migrations disagree
    schooner db shell                         # psql, mariadb or sqlite3 on the database
    schooner db seed fixtures.json            # load fixtures, idempotently

A component that owns tables ships their migrations with a ``migration_folders()`` method
(the :class:`MigrationFolders` protocol; it need not import this battery). Its folder is a
labelled branch next to the project's ``versions/``: ``migrate`` applies it, and a project
migration written after it depends on it, so project tables may refer to the component's.
A component with work to do once the schema is up to date (the accounts battery stores
every model's permissions) has an ``after_migrate(database)`` coroutine method (the
:class:`AfterMigrate` protocol), which ``migrate`` awaits after each database reaches its
latest revision.

Migrations are generated from every database component's metadata, with type changes
detected and SQLite-compatible "batch" operations, so one set of files applies on SQLite,
PostgreSQL and MariaDB. ``--database NAME`` picks one database; each keeps its revisions in
its own folder (``versions/``, ``versions_<name>/``).

:func:`run_migrations` is what the generated ``migrations/env.py`` calls; :func:`migrate`
and :func:`load_fixtures` do what ``migrate`` and ``seed`` do, from code (a test fixture,
a deploy script).
"""

from __future__ import annotations

from schooner.contrib.migrations._api import migrate
from schooner.contrib.migrations._cli import db_commands
from schooner.contrib.migrations._component import Migrations
from schooner.contrib.migrations._env import render_item, run_migrations
from schooner.contrib.migrations._errors import MigrationError, SeedError
from schooner.contrib.migrations._folders import MigrationFolders
from schooner.contrib.migrations._hooks import AfterMigrate
from schooner.contrib.migrations._seed import SeedResult, load_fixtures

__all__ = [
    "AfterMigrate",
    "MigrationError",
    "MigrationFolders",
    "Migrations",
    "SeedError",
    "SeedResult",
    "db_commands",
    "load_fixtures",
    "migrate",
    "render_item",
    "run_migrations",
]
