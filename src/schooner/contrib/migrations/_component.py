"""The ``Migrations`` component: ``schooner db`` for the app's databases.

::

    app = App(components=[Database(config=DatabaseConfig.from_env()), Migrations()])

The migrations battery builds on the database battery, never the other way round: the
``Database`` component knows nothing of Alembic, and this component finds the app's
databases through :func:`schooner.contrib.orm.databases_of` when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from schooner.contrib.migrations._cli import db_commands
from schooner.contrib.orm import Database

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["Migrations"]


class Migrations:
    """Adds the ``schooner db`` commands (migrations, fixtures, the database shell).

    List it after the app's ``Database`` components. Nothing runs at startup or per
    request: the component only contributes commands, and Alembic is imported when one
    runs.

    Args:
        directory: the migrations folder, relative to the current folder unless absolute;
            ``schooner db --directory`` and ``SCHOONER_MIGRATIONS`` override it.

    Attributes:
        name: ``"migrations"``.
    """

    name = "migrations"

    def __init__(self, *, directory: str | Path = "migrations") -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"Migrations(directory={str(self.directory)!r})"

    def setup(self, app: App) -> None:
        """Add the ``db`` command group.

        Raises:
            ImproperlyConfigured: no ``Database`` component was listed before this one.
        """
        app.require(Database, by=self)
        app.add_command(db_commands(app, directory=self.directory))
