"""Work that follows a migrate: the :class:`AfterMigrate` protocol.

A component that keeps rows in step with the schema — the accounts battery stores the
view/add/change/delete permissions of every model — has an ``after_migrate`` method. It
does not import this battery: ``schooner db migrate`` and :func:`migrate` find such
components among ``app.components`` and await the method once a database has reached its
latest revision, every time, whether or not a migration ran::

    class Accounts:
        name = "accounts"

        async def after_migrate(self, database: Database) -> None:
            if database.alias == "default":
                await sync_permissions(database, self)

The database it is given is started for the call, on an event loop of its own: a new
``Database`` with the component's URL, alias, configuration and metadata, so the work runs
the same from the command line, a deploy script, a test fixture or a running app's startup
hook, and the app's own engine is never touched.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar, runtime_checkable

from sqlalchemy.exc import SQLAlchemyError

from schooner.contrib.migrations._errors import MigrationError
from schooner.contrib.orm import Database
from schooner.exceptions import ImproperlyConfigured

__all__ = ["LATEST", "AfterMigrate", "run_after_migrate"]

T = TypeVar("T")

LATEST = frozenset({"head", "heads"})
"""The revisions that mean "the latest": only a migrate to them is followed by the hooks."""


@runtime_checkable
class AfterMigrate(Protocol):
    """A component with work to do once a database is at its latest revision.

    Any component of the app with this method is one; it does not import the migrations
    battery. ``schooner db migrate`` (to the latest revision, the default) and
    :func:`~schooner.contrib.migrations.migrate` given the app call it after each
    database's migrations, in the order of ``app.components`` — also when there was
    nothing to apply, so the work must be idempotent. A migrate to an older revision, a
    downgrade and ``migrate(database)`` (which knows no components) do not call it.
    """

    async def after_migrate(self, database: Database) -> None:
        """Do the work for ``database``, now at its latest revision.

        ``database`` is started for the call (a new ``Database`` with the URL, ``alias``,
        configuration and metadata of the app's component): compare it by ``alias``.
        An exception stops the command, which names the component; the migrations stay
        applied.
        """
        ...


def run_after_migrate(components: Iterable[object], database: Database) -> list[str]:
    """Await ``after_migrate(database)`` of every :class:`AfterMigrate` in ``components``.

    Returns:
        The names of the components called, in order.

    Raises:
        MigrationError: a component's ``after_migrate`` failed (the message names it).
        ImproperlyConfigured: a component's ``after_migrate`` is not ``async def``.
    """
    hooks = [component for component in components if isinstance(component, AfterMigrate)]
    if not hooks:
        return []

    async def main() -> list[str]:
        started = _copy(database)
        called: list[str] = []
        async with started.running():
            for component in hooks:
                owner = str(getattr(component, "name", type(component).__name__))
                await _call(component, owner, started)
                called.append(owner)
        return called

    return _run(main)


async def _call(component: AfterMigrate, owner: str, database: Database) -> None:
    result = component.after_migrate(database)
    if not inspect.isawaitable(result):
        raise ImproperlyConfigured(
            f"{owner!r}.after_migrate() must be a coroutine function: declare it "
            "`async def after_migrate(self, database)`."
        )
    try:
        await result
    except Exception as exc:
        cause = getattr(exc, "orig", None) if isinstance(exc, SQLAlchemyError) else None
        reason = (str(cause or exc).splitlines() or [type(exc).__name__])[0]
        raise MigrationError(
            f"Database {database.alias!r} is migrated, but after_migrate() of component "
            f"{owner!r} failed: {reason}. Fix the cause and run `schooner db migrate` "
            "again; it runs after every migrate."
        ) from exc


def _copy(database: Database) -> Database:
    """A new, unstarted ``Database`` like ``database``: same URL, alias, config, metadata."""
    return Database(
        database.url.render_as_string(hide_password=False),
        name=database.alias,
        config=database.config,
        metadata=database.metadata,
    )


def _run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main()`` to completion on an event loop of its own."""

    async def wrapped() -> T:
        return await main()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrapped())
    # Called from a coroutine (a startup hook that migrates): Alembic has blocked this loop
    # anyway, and a loop cannot run inside itself, so the work gets a thread and a loop.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="after-migrate") as pool:
        return pool.submit(asyncio.run, wrapped()).result()
