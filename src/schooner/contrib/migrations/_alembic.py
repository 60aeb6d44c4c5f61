"""Alembic driven from code: one :class:`Migrations` per database, no ``alembic.ini``.

A project has one ``migrations/`` folder: ``env.py`` and ``script.py.mako`` are shared,
and each database keeps its revisions apart — ``versions/`` for the default database,
``versions_<name>/`` for a database named ``<name>`` — and its own ``alembic_version``
table. Migrations run on the sync twin of the database's URL (psycopg, PyMySQL, sqlite3),
one connection and, where the backend allows it, one transaction per command.

Components that ship migrations (:class:`~schooner.contrib.migrations.MigrationFolders`)
add their folders as more version locations of the default database: each is a labelled
branch of one revision graph, with its own base, recorded in the same ``alembic_version``
table. The project's revisions stay in its own folder, in one line of their own; each new
one ``depends_on`` the latest revision of every branch, so that the tables it refers to
exist before it runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from argparse import Namespace
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.operations.ops import MigrationScript, UpgradeOps
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, MetaData, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from schooner.contrib.migrations._env import CONNECTION, HOOKS, METADATA
from schooner.contrib.migrations._errors import MigrationError
from schooner.contrib.migrations._folders import Branch
from schooner.contrib.orm import Database
from schooner.exceptions import ImproperlyConfigured

__all__ = ["Migrations", "Revision"]

TEMPLATES = Path(__file__).parent / "templates"
FILE_TEMPLATE = "%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s"
_STEP_BACK = re.compile(r"-\d+")

Reporter = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Revision:
    """One migration file, as ``history`` and ``current`` show it."""

    id: str
    down: tuple[str, ...]
    message: str
    path: Path
    is_head: bool
    branches: tuple[str, ...] = ()
    """The labels of the component branches it is on (empty for the project's own)."""

    @property
    def label(self) -> str:
        """The id, then the branches it is on: ``a1b2c3d4e5f6 (accounts)``."""
        return self.id + "".join(f" ({branch})" for branch in self.branches)

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
            tuple(sorted(script.branch_labels)),
        )


class Migrations:
    """The migrations of one database, in the project's ``migrations/`` folder.

    Args:
        database: the app's database component (its URL and metadata).
        folder: the project's migrations folder.
        branches: the folders components ship (``MigrationFolders``), as more version
            locations next to ``versions``.
        report: where progress lines go (``click.echo`` in the CLI).
    """

    def __init__(
        self,
        database: Database,
        folder: Path,
        *,
        branches: Sequence[Branch] = (),
        report: Reporter = print,
    ) -> None:
        self.database = database
        self.folder = folder
        self.branches = tuple(branches)
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
        for branch in self.branches:
            if branch.folder == self.versions.resolve():
                raise MigrationError(
                    f"{branch} is the project's own versions folder; a component ships its "
                    "revisions in a folder of its own package."
                )
        locations = [self.versions, *(branch.folder for branch in self.branches)]
        # quiet: the commands report progress themselves, through `report`.
        config = Config(stdout=sys.stdout, cmd_opts=Namespace(quiet=True))
        for key, value in {
            "script_location": str(self.folder),
            # path_separator "os": several folders, separated as in PATH.
            "version_locations": os.pathsep.join(str(location) for location in locations),
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
        """Alembic's view of this database's migration files, the components' checked.

        Raises:
            MigrationError: a component's folder has no revision, or a revision that is
                not on the component's labelled branch.
        """
        script = ScriptDirectory.from_config(self.config())
        try:
            revisions = _alembic(lambda: list(script.walk_revisions()))
        except KeyError as exc:  # Alembic's map lookup of a depends_on found nowhere
            raise MigrationError(
                f"A migration depends on revision {exc.args[0]!r}, which is in none of the "
                "migration folders. If a component ships it, list the component in "
                "App(components=[...]) (and migrate the app, not only its Database)."
            ) from None
        for branch in self.branches:
            _check_branch(branch, [r for r in revisions if _folder(r) == branch.folder])
        return script

    def _placement(self, script: ScriptDirectory) -> tuple[str, tuple[str, ...]]:
        """Where a new project revision goes: its parent and the branch heads it needs.

        The parent is the project's own latest revision, or ``"base"`` for its first one;
        a branch head that the parent already (indirectly) depends on is left out.
        """
        heads = _heads_in(script, self.versions.resolve())
        if len(heads) > 1:
            raise MigrationError(
                f"The project's migrations have {len(heads)} latest revisions "
                f"({', '.join(sorted(heads))}): two lines of revisions were written in "
                "parallel. Write a revision that merges them (down_revision = the tuple of "
                "both ids) before making a new one."
            )
        parent = heads[0] if heads else "base"
        applied = {r.revision for r in script.iterate_revisions(parent, "base")}
        needed = (h for b in self.branches for h in _heads_in(script, b.folder))
        return parent, tuple(h for h in needed if h not in applied)

    # -- commands ---------------------------------------------------------------------

    def upgrade(self, revision: str = "heads") -> int:
        """Apply migrations up to ``revision``; return how many ran."""
        return self._step(command.upgrade, revision, "Applied")

    def downgrade(self, revision: str) -> int:
        """Revert migrations down to ``revision``; return how many were reverted.

        Raises:
            MigrationError: ``revision`` is a step back (``-1``) and the database is at
                several revisions, one per branch, so the step is ambiguous.
        """
        if _STEP_BACK.fullmatch(revision):
            self._refuse_ambiguous_step(revision)
        return self._step(command.downgrade, revision, "Reverted")

    def _refuse_ambiguous_step(self, step: str) -> None:
        script, current = self.script(), self.current()
        if len(current) < 2:
            return
        lines = []
        for head in current:
            labels = sorted(_alembic(script.get_revision, head).branch_labels)
            lines.append(f"`{labels[0] if labels else head}@{step}`")
        raise MigrationError(
            f"The database is at {len(current)} revisions, one per line of migrations "
            f"({', '.join(current)}), so {step!r} does not say which line to step back. "
            f"Name it: {' or '.join(lines)}; or `base` to revert them all."
        )

    def _step(self, run: Callable[[Config, str], None], revision: str, verb: str) -> int:
        steps: list[str] = []

        def applied(*, step: Any, **_: Any) -> None:
            done = Revision.of(step.up_revision)
            line = f"{verb} {done.label}  {done.message}"
            steps.append(line)
            self.report(f"  {line}")

        self.script()  # the files are checked before anything runs
        with self.connect() as connection:
            config = self.config(connection, on_version_apply=applied)
            _alembic(run, config, revision)
        return len(steps)

    def autogenerate(self, message: str) -> tuple[Path | None, UpgradeOps]:
        """Write a migration for what the models changed; ``None`` when nothing did.

        The file goes into the project's versions folder, after the project's latest
        revision, and depends on the latest revision of every component's branch.
        """
        changes = UpgradeOps()
        parent, needed = self._placement(self.script())

        def keep_if_changed(context: Any, revision: Any, directives: list[Any]) -> None:
            script = directives[0]
            assert isinstance(script, MigrationScript)
            ops = script.upgrade_ops
            if ops is None or ops.is_empty():
                directives[:] = []
                return
            changes.ops[:] = ops.ops
            script.head = parent
            script.version_path = str(self.versions)
            script.depends_on = needed or None

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

        self.script()
        with self.connect() as connection:
            config = self.config(connection, process_revision_directives=capture)
            _alembic(command.revision, config, autogenerate=True)
        return found

    def current(self) -> list[str]:
        """The revisions the database is at, sorted (empty: no migration applied).

        One per line of migrations that no later applied revision depends on: the
        project's and a component's branch may both be listed.
        """
        script = self.script()
        with self.connect() as connection:
            context = MigrationContext.configure(connection)
            return sorted(
                _alembic(script.get_revision, head).revision for head in context.get_current_heads()
            )

    def pending(self) -> list[Revision]:
        """The migrations ``upgrade()`` would apply, the components' included, oldest first."""
        script = self.script()
        current = tuple(self.current())
        applied = (
            {r.revision for r in script.iterate_revisions(current, "base")} if current else set()
        )
        return [
            Revision.of(r)
            for r in reversed(list(_alembic(script.walk_revisions)))
            if r.revision not in applied
        ]

    def history(self) -> list[Revision]:
        """Every migration file, newest first."""
        script = self.script()
        return [Revision.of(s) for s in _alembic(script.walk_revisions)]


def _folder(script: Script) -> Path:
    return Path(script.path).parent.resolve()


def _heads_in(script: ScriptDirectory, folder: Path) -> list[str]:
    """The latest revisions among those in ``folder`` (one, unless its line forked)."""
    own = {r.revision: r for r in _alembic(script.walk_revisions) if _folder(r) == folder}
    return [revision for revision, r in own.items() if not r.nextrev & own.keys()]


def _check_branch(branch: Branch, revisions: list[Script]) -> None:
    """Refuse a component's folder that is empty or holds a revision off its branch."""
    label = branch.label
    if not revisions:
        raise MigrationError(
            f"The folder {branch.folder} that component {branch.owner!r} ships for the branch "
            f"{label!r} has no revision file. Add the revisions that "
            f"create the component's tables, the first with branch_labels = ({label!r},), "
            "or stop listing the folder in its migration_folders()."
        )
    for revision in revisions:
        if label not in revision.branch_labels:
            raise MigrationError(
                f"Revision {revision.revision} ({revision.path}) of {branch} is not on the "
                f"branch {label!r}: the branch's first revision (down_revision = None) must "
                f"say branch_labels = ({label!r},), and the others follow it."
            )


def _alembic(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an Alembic function, turning its errors into :class:`MigrationError`."""
    try:
        return function(*args, **kwargs)
    except RevisionError as exc:
        raise MigrationError(f"The migration files do not fit together: {exc}") from None
    except CommandError as exc:
        message = str(exc)
        if "not up to date" in message:
            message = (
                "The database is not at the latest migration, so its schema cannot be "
                "compared with the models. Run `schooner db migrate` first."
            )
        elif "Can't locate revision" in message:
            message += (
                ". The database has applied a migration that is in none of the migration "
                "folders: was its file deleted, or is the component that ships it missing "
                "from App(components=[...])?"
            )
        raise MigrationError(message) from None
