"""The ``schooner db`` command group, contributed by the ``Migrations`` component.

Alembic is imported when a command runs, not when the group is built, so an app with a
database starts without it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from schooner.contrib.migrations._errors import MigrationError
from schooner.contrib.migrations._folders import branches_of
from schooner.contrib.migrations._hooks import LATEST, run_after_migrate
from schooner.contrib.migrations._seed import load_fixtures
from schooner.contrib.migrations._shell import client_command
from schooner.contrib.orm import Database, databases_of
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.contrib.migrations._alembic import Migrations

__all__ = ["db_commands"]

F = TypeVar("F", bound=Callable[..., Any])
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class _Project:
    """The app and its migrations folder, shared by the commands of one invocation."""

    app: App
    folder: Path

    def databases(self, name: str | None, *, every: bool) -> list[Database]:
        """``--database NAME``'s database; else all of them (``every``) or the default."""
        found = databases_of(self.app)
        if not found:
            raise click.ClickException("The app has no Database component.")
        if name is not None:
            if name not in found:
                known = ", ".join(repr(n) for n in found)
                raise click.BadParameter(
                    f"the app has no database {name!r} (it has {known}).", param_hint="--database"
                )
            return [found[name]]
        if every:
            return list(found.values())
        return [found.get("default") or next(iter(found.values()))]

    def migrations(self, database: Database) -> Migrations:
        """The migrations of ``database`` (imports Alembic)."""
        try:
            from schooner.contrib.migrations._alembic import Migrations
        except ImportError as exc:
            if exc.name not in ("alembic", "mako"):
                raise
            raise click.ClickException(
                "Migrations need Alembic, which is not installed. Install it with: "
                "pip install 'schooner[orm]'"
            ) from None
        branches = branches_of(self.app.components, database=database.alias)
        return Migrations(database, self.folder, branches=branches, report=click.echo)


def _database_option(function: F) -> F:
    option = click.option(
        "--database",
        "-d",
        metavar="NAME",
        default=None,
        help="Only this database (its name in Database(name=...)).",
    )
    return option(function)


@contextlib.contextmanager
def _clean_errors() -> Iterator[None]:
    """Turn the errors a user can fix into a one-line message and exit status 1."""
    try:
        yield
    except (MigrationError, ImproperlyConfigured) as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise click.ClickException(f"The database refused: {reason}") from None


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def _label(database: Database, databases: list[Database]) -> str:
    return f"[{database.alias}] " if len(databases) > 1 else ""


def db_commands(app: App, *, directory: str | Path = "migrations") -> click.Group:
    """Build the ``db`` group for ``app``: migrations, fixtures and the database shell.

    Args:
        app: the app whose databases the commands work on.
        directory: the migrations folder when neither ``--directory`` nor
            ``SCHOONER_MIGRATIONS`` names one.
    """

    @click.group("db")
    @click.option(
        "--directory",
        default=str(directory),
        show_default=True,
        envvar="SCHOONER_MIGRATIONS",
        type=click.Path(file_okay=False, path_type=Path),
        help="The migrations folder.  [env: SCHOONER_MIGRATIONS]",
    )
    @click.pass_context
    def db(ctx: click.Context, directory: Path) -> None:
        """Migrate the database schema (Alembic), load fixtures, open the database's shell.

        Without --database, makemigrations, migrate (to the latest revision), check,
        current and history go over every database of the app; the other commands use
        the default database.
        """
        ctx.obj = _Project(app, directory.resolve())

    for command in _COMMANDS:
        db.add_command(command)
    return db


@click.command()
@click.pass_obj
def init(project: _Project) -> None:
    """Create the migrations folder: env.py, the revision template and versions/."""
    created: list[Path] = []
    project.folder.mkdir(parents=True, exist_ok=True)
    for source, target in (("env.py.tmpl", "env.py"), ("script.py.mako", "script.py.mako")):
        path = project.folder / target
        if not path.exists():
            path.write_text((TEMPLATES / source).read_text(encoding="utf-8"), encoding="utf-8")
            created.append(path)
    for database in project.databases(None, every=True):
        name = "versions" if database.alias == "default" else f"versions_{database.alias}"
        versions = project.folder / name
        if not versions.exists():
            versions.mkdir()
            created.append(versions)
    if not created:
        click.echo(f"{_shown(project.folder)} is already set up; nothing to create.")
        return
    for path in created:
        click.echo(f"Created {_shown(path)}{'/' if path.is_dir() else ''}")
    click.echo('Next: `schooner db makemigrations -m "initial"`, then `schooner db migrate`.')


@click.command()
@click.option("--message", "-m", required=True, help="What the migration does.")
@_database_option
@click.pass_obj
def makemigrations(project: _Project, message: str, database: str | None) -> None:
    """Write a migration for what changed in the models (Alembic autogenerate)."""
    from schooner.contrib.migrations._diff import describe

    databases = project.databases(database, every=True)
    for db in databases:
        with _clean_errors():
            path, ops = project.migrations(db).autogenerate(message)
        label = _label(db, databases)
        if path is None:
            click.echo(f"{label}No changes detected.")
            continue
        click.echo(f"{label}Created {_shown(path)}")
        for line in describe(ops.as_diffs()):
            click.echo(f"  {line}")


@click.command()
@click.argument("revision", required=False)
@_database_option
@click.pass_obj
def migrate(project: _Project, revision: str | None, database: str | None) -> None:
    """Apply migrations, up to REVISION (default: the latest).

    At the latest revision, components with an after_migrate() step (the accounts
    battery's permissions) run it, every time.
    """
    databases = project.databases(database, every=revision is None)
    for db in databases:
        target = revision or "heads"
        click.echo(f"Migrating database {db.alias!r} to {revision or 'the latest revision'}")
        with _clean_errors():
            if not project.migrations(db).upgrade(target):
                click.echo("  Nothing to apply.")
            if target in LATEST:
                run_after_migrate(project.app.components, db)


# ignore_unknown_options: so that "-1" is a revision, not an option.
@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@_database_option
@click.pass_obj
def downgrade(project: _Project, revision: str, database: str | None) -> None:
    """Revert migrations down to REVISION ('-1' for the last one, 'base' for all)."""
    (db,) = project.databases(database, every=False)
    click.echo(f"Reverting database {db.alias!r} to {revision}")
    with _clean_errors():
        if not project.migrations(db).downgrade(revision):
            click.echo("  Nothing to revert.")


@click.command()
@_database_option
@click.pass_obj
def history(project: _Project, database: str | None) -> None:
    """List the migrations, newest first."""
    databases = project.databases(database, every=True)
    for db in databases:
        with _clean_errors():
            revisions = project.migrations(db).history()
        label = _label(db, databases)
        if not revisions:
            click.echo(f"{label}No migrations yet.")
        for revision in revisions:
            parents = ", ".join(revision.down) or "base"
            head = " (head)" if revision.is_head else ""
            click.echo(f"{label}{parents} -> {revision.label}{head}  {revision.message}")


@click.command()
@_database_option
@click.pass_obj
def current(project: _Project, database: str | None) -> None:
    """Show the revision each database is at, and the migrations it has yet to apply.

    Migrations shipped by components count: a database without them is behind.
    """
    for db in project.databases(database, every=True):
        with _clean_errors():
            migrations = project.migrations(db)
            revisions, pending = migrations.current(), migrations.pending()
        if not revisions:
            state = "no migration applied" + (" (migrations are pending)" if pending else "")
        else:
            behind = f" (behind the latest: {len(pending)} pending)" if pending else " (latest)"
            state = ", ".join(revisions) + behind
        click.echo(f"{db.alias}: {state}")
        for revision in pending:
            click.echo(f"  pending {revision.label}  {revision.message}")


@click.command()
@_database_option
@click.pass_obj
def check(project: _Project, database: str | None) -> None:
    """Fail when the models and the migrations disagree (for CI).

    The database must be at the latest migration; the models are compared with it.
    """
    from schooner.contrib.migrations._diff import describe

    failed = False
    for db in project.databases(database, every=True):
        with _clean_errors():
            differences = describe(project.migrations(db).differences().as_diffs())
        if not differences:
            click.echo(f"{db.alias}: models and migrations agree.")
            continue
        failed = True
        click.echo(f"{db.alias}: the models differ from the migrations:", err=True)
        for line in differences:
            click.echo(f"  {line}", err=True)
    if failed:
        raise click.ClickException(
            'Write a migration for these changes: schooner db makemigrations -m "..."'
        )


@click.command()
@_database_option
@click.pass_obj
def shell(project: _Project, database: str | None) -> None:
    """Open the database's own client (psql, mariadb/mysql or sqlite3)."""
    (db,) = project.databases(database, every=False)
    with _clean_errors():
        argv, env = client_command(db.url)
    if shutil.which(argv[0]) is None:
        raise click.ClickException(
            f"`{argv[0]}`, the client for this database, is not installed or not on PATH."
        )
    os.execvpe(argv[0], argv, {**os.environ, **env})


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_database_option
@click.pass_obj
def seed(project: _Project, file: Path, database: str | None) -> None:
    """Load fixtures from FILE (JSON or YAML); loading it again changes nothing."""
    (db,) = project.databases(database, every=False)
    with _clean_errors():
        result = load_fixtures(db, file)
    click.echo(
        f"Loaded {_shown(file.resolve())} into {db.alias!r}: {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged."
    )


_COMMANDS = [init, makemigrations, migrate, downgrade, history, current, check, shell, seed]
