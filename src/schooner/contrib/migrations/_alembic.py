"""Alembic driven from code: one :class:`Migrations` per database, no ``alembic.ini``.

A project has one ``migrations/`` folder: ``env.py`` and ``script.py.mako`` are shared,
and each database keeps its revisions apart — ``versions/`` for the default database,
``versions_<name>/`` for a database named ``<name>`` — and its own ``alembic_version``
table. Migrations run on the sync twin of the database's URL (psycopg, PyMySQL, sqlite3),
one connection and, where the backend allows it, one transaction per command.
"""

from __future__ import annotations

import contextlib
import sys
from argparse import Namespace
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.operations.ops import MigrationScript, UpgradeOps
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, MetaData, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from schooner.contrib.migrations._env import CONNECTION, HOOKS, METADATA
from schooner.contrib.migrations._errors import MigrationError
from schooner.contrib.orm import Database
from schooner.exceptions import ImproperlyConfigured

__all__ = ["Migrations", "Revision"]

TEMPLATES = Path(__file__).parent / "templates"
FILE_TEMPLATE = "%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s"

Reporter = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration file, as ``history`` and ``current`` show it."""

    id: str
    down: tuple[str, ...]
    message: str
    path: Path
    is_head: bool

    @classmethod
    def of(cls, script: Script) -> Revision:
        """The revision a script of Alembic's script directory describes."""
        down = script.down_revision
        downs = (down,) if isinstance(down, str) else tuple(down or ())
        return cls(
            script.revision,
            downs,
            (script.doc or "").strip(),
            Path(script.path),
            script.is_head,
        )


class Migrations:
    """The migrations of one database, in the project's ``migrations/`` folder.

    Args:
        database: the app's database component (its URL and metadata).
        folder: the project's migrations folder.
        report: where progress lines go (``click.echo`` in the CLI).
    """

    def __init__(self, database: Database, folder: Path, *, report: Reporter = print) -> None:
        self.database = database
        self.folder = folder
        self.report = report

    @property
    def versions(self) -> Path:
        """This database's revisions: ``versions/`` or ``versions_<name>/``."""
        alias = self.database.alias
        return self.folder / ("versions" if alias == "default" else f"versions_{alias}")

    @property
    def url(self) -> URL:
        """The sync URL migrations connect with (``DatabaseConfig.sync_url`` if set)."""
        return self.database.sync_url

    @property
    def metadata(self) -> MetaData:
        """The tables this database should have."""
        metadata = self.database.metadata
        if metadata is None:
            raise ImproperlyConfigured(
                f"Database {self.database.alias!r} has no metadata; pass "
                "metadata=YourBase.metadata to it so migrations know its tables."
            )
        return metadata

    # -- plumbing ---------------------------------------------------------------------

    def config(self, connection: Connection | None = None, **hooks: Any) -> Config:
        """Alembic's ``Config`` for this database, built in code."""
        if not (self.folder / "env.py").is_file():
            raise MigrationError(
                f"There is no migrations folder at {self.folder} (no env.py). "
                "Run `schooner db init` in the project folder first."
            )
        self.versions.mkdir(exist_ok=True)
        # quiet: the commands report progress themselves, through `report`.
        config = Config(stdout=sys.stdout, cmd_opts=Namespace(quiet=True))
        for key, value in {
            "script_location": str(self.folder),
            "version_locations": str(self.versions),
            "path_separator": "os",
            "file_template": FILE_TEMPLATE,
            "timezone": "UTC",
            "truncate_slug_length": "60",
        }.items():
            # ConfigParser interpolates "%": double every one.
            config.set_main_option(key, value.replace("%", "%%"))
        config.attributes[METADATA] = self.metadata
        if connection is not None:
            config.attributes[CONNECTION] = connection
        config.attributes[HOOKS] = hooks
        return config

    @contextlib.contextmanager
    def connect(self) -> Iterator[Connection]:
        """One connection in a transaction, committed when the block ends normally."""
        engine = create_engine(self.url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            engine.dispose()

    def script(self) -> ScriptDirectory:
        """Alembic's view of this database's migration files."""
        return ScriptDirectory.from_config(self.config())

    # -- commands ---------------------------------------------------------------------

    def upgrade(self, revision: str = "heads") -> int:
        """Apply migrations up to ``revision``; return how many ran."""
        return self._step(command.upgrade, revision, "Applied")

    def downgrade(self, revision: str) -> int:
        """Revert migrations down to ``revision``; return how many were reverted."""
        return self._step(command.downgrade, revision, "Reverted")

    def _step(self, run: Callable[[Config, str], None], revision: str, verb: str) -> int:
        steps: list[str] = []

        def applied(*, step: Any, **_: Any) -> None:
            script = step.up_revision
            line = f"{verb} {script.revision}  {(script.doc or '').strip()}"
            steps.append(line)
            self.report(f"  {line}")

        with self.connect() as connection:
            config = self.config(connection, on_version_apply=applied)
            _alembic(run, config, revision)
        return len(steps)

    def autogenerate(self, message: str) -> tuple[Path | None, UpgradeOps]:
        """Write a migration for what the models changed; ``None`` when nothing did."""
        changes = UpgradeOps()

        def keep_if_changed(context: Any, revision: Any, directives: list[Any]) -> None:
            script = directives[0]
            assert isinstance(script, MigrationScript)
            ops = script.upgrade_ops
            if ops is None or ops.is_empty():
                directives[:] = []
                return
            changes.ops[:] = ops.ops

        with self.connect() as connection:
            config = self.config(connection, process_revision_directives=keep_if_changed)
            created = _alembic(command.revision, config, message=message, autogenerate=True)
        if isinstance(created, Script):
            return Path(created.path), changes
        return None, changes

    def differences(self) -> UpgradeOps:
        """What the models have that the migrations (applied to the database) do not."""
        found = UpgradeOps()

        def capture(context: Any, revision: Any, directives: list[Any]) -> None:
            ops = directives[0].upgrade_ops
            if ops is not None:
                found.ops[:] = ops.ops
            directives[:] = []

        with self.connect() as connection:
            config = self.config(connection, process_revision_directives=capture)
            _alembic(command.revision, config, autogenerate=True)
        return found

    def current(self) -> list[str]:
        """The revisions the database is at (empty: no migration applied)."""
        script = self.script()
        with self.connect() as connection:
            context = MigrationContext.configure(connection)
            return [
                _alembic(script.get_revision, head).revision for head in context.get_current_heads()
            ]

    def history(self) -> list[Revision]:
        """Every migration file, newest first."""
        script = self.script()
        return [Revision.of(s) for s in _alembic(script.walk_revisions)]

    def heads(self) -> list[str]:
        """The latest revisions of the migration files."""
        return list(self.script().get_heads())


def _alembic(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an Alembic function, turning its errors into :class:`MigrationError`."""
    try:
        return function(*args, **kwargs)
    except CommandError as exc:
        message = str(exc)
        if "not up to date" in message:
            message = (
                "The database is not at the latest migration, so its schema cannot be "
                "compared with the models. Run `schooner db migrate` first."
            )
        raise MigrationError(message) from None
