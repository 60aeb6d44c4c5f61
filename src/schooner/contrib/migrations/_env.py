"""What the project's ``migrations/env.py`` runs: Alembic configured by ``schooner db``.

The command that runs Alembic puts the connection, the metadata and its own hooks in
``config.attributes``; :func:`run_migrations` hands them to ``context.configure`` with the
options that make one set of migration files work on every backend: ``compare_type`` (a
changed column type is a change) and ``render_as_batch`` (SQLite cannot ``ALTER`` most
things, so its changes are written as "copy the table" batches, which the servers run as
plain ``ALTER TABLE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.schema import DefaultClause

from schooner.contrib.orm import UTCDateTime, utcnow
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

__all__ = ["CONNECTION", "HOOKS", "METADATA", "render_item", "run_migrations"]

CONNECTION = "schooner.connection"
METADATA = "schooner.metadata"
HOOKS = "schooner.hooks"
_ORM_IMPORT = "from schooner.contrib import orm"


def run_migrations(**options: Any) -> None:
    """Run Alembic's migrations on the connection ``schooner db`` opened.

    Call it from ``migrations/env.py``. Keyword arguments go to ``context.configure`` and
    win over Schooner's defaults (``target_metadata``, ``compare_type=True``,
    ``render_as_batch=True``, ``render_item``); a ``process_revision_directives`` of
    yours runs before Schooner's own.

    Raises:
        ImproperlyConfigured: the environment was not started by ``schooner db`` (plain
            ``alembic`` has no connection to give it), or offline (``--sql``) mode.
    """
    from alembic import context

    config = context.config
    connection = config.attributes.get(CONNECTION)
    if connection is None or context.is_offline_mode():
        raise ImproperlyConfigured(
            "This migrations folder is run by Schooner: use `schooner db migrate` (and the "
            "other `schooner db` commands) instead of the alembic command."
        )
    hooks: dict[str, Any] = dict(config.attributes.get(HOOKS, {}))
    settings: dict[str, Any] = {
        "target_metadata": config.attributes[METADATA],
        "compare_type": True,
        "render_as_batch": True,
        "render_item": render_item,
        **options,
    }
    ours = hooks.pop("process_revision_directives", None)
    theirs = settings.get("process_revision_directives")
    if ours is not None:
        settings["process_revision_directives"] = _chain(theirs, ours)
    settings.update(hooks)
    context.configure(connection=connection, **settings)
    with context.begin_transaction():
        context.run_migrations()


def _chain(first: Any, second: Any) -> Any:
    def both(*args: Any) -> None:
        if first is not None:
            first(*args)
        second(*args)

    return both


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write Schooner's column types and defaults into migrations portably.

    ``UTCDateTime`` becomes ``orm.UTCDateTime()`` and a ``server_default=utcnow()`` stays
    ``orm.utcnow()`` — not the SQL text of the backend that generated the migration, so
    the file applies on SQLite, PostgreSQL and MariaDB alike. Types from any other
    package get an ``import`` of their module, which Alembic forgets by itself.
    """
    imports = autogen_context.imports
    if type_ == "type":
        if isinstance(obj, UTCDateTime):
            if imports is not None:
                imports.add(_ORM_IMPORT)
            return "orm.UTCDateTime()"
        module = type(obj).__module__
        if module != "sqlalchemy" and not module.startswith("sqlalchemy.") and imports is not None:
            imports.add(f"import {module}")
        return False
    if type_ == "server_default" and isinstance(obj, DefaultClause) and isinstance(obj.arg, utcnow):
        if imports is not None:
            imports.add(_ORM_IMPORT)
        return "orm.utcnow()"
    return False
