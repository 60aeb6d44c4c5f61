"""Sessions stored in the app's database (this module builds on the database battery).

::

    from schooner.contrib.sessions.database import DatabaseBackend

    db = Database(config=DatabaseConfig.from_env())
    app = App(components=[db, Sessions(DatabaseBackend(db))])

The table is part of the database's metadata, so ``schooner db makemigrations`` creates it
like any model's table.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Double, MetaData, String, Table, Text, delete, select

from schooner.contrib.sessions._backends import new_session_id
from schooner.contrib.sessions._session import Session
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.contrib.orm import Database

__all__ = ["DatabaseBackend"]


def _table(metadata: MetaData, name: str) -> Table:
    existing = metadata.tables.get(name)
    if existing is not None:
        return existing
    return Table(
        name,
        metadata,
        Column("id", String(64), primary_key=True),
        Column("data", Text, nullable=False),
        # Double, not Float: MySQL's FLOAT is single precision, too coarse for epoch times.
        Column("created", Double, nullable=False),
        Column("expires", Double, nullable=False, index=True),
    )


class DatabaseBackend:
    """Keep session data in a table of the app's database.

    Like ``RedisBackend`` the cookie carries only a signed random id; the data can be
    revoked at logout and seen by admin tools. Expired rows are ignored when read; delete
    them now and then with :meth:`purge_expired` (e.g. from a scheduled task).

    Args:
        database: the ``Database`` component whose tables hold the sessions.
        table_name: the table's name.
    """

    def __init__(self, database: Database, *, table_name: str = "schooner_sessions") -> None:
        if database.metadata is None:
            raise ImproperlyConfigured(
                f"{database!r} has no metadata for the sessions table: pass "
                "Database(..., metadata=YourModel.metadata)."
            )
        self.database = database
        self.table = _table(database.metadata, table_name)

    async def load(self, token: str) -> Session | None:
        """Fetch the unexpired row the id names."""
        table = self.table
        async with self.database.transaction() as db:
            row = (
                await db.execute(
                    select(table.c.data, table.c.created).where(
                        table.c.id == token, table.c.expires > time.time()
                    )
                )
            ).first()
        if row is None:
            return None
        try:
            data: Any = json.loads(row.data)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        return Session(data, id=token, created=float(row.created))

    async def save(self, session: Session, max_age: int) -> str:
        """Write the row (a new id after ``regenerate()``; the old row is deleted)."""
        table = self.table
        async with self.database.transaction() as db:
            if session.id is not None and session.regenerated:
                await db.execute(delete(table).where(table.c.id == session.id))
                session.previous_id, session.id = session.id, None
            if session.id is not None:
                await db.execute(delete(table).where(table.c.id == session.id))
            else:
                session.id = new_session_id()
            await db.execute(
                table.insert().values(
                    id=session.id,
                    data=json.dumps(session.to_dict(), separators=(",", ":")),
                    created=session.created,
                    expires=time.time() + max_age,
                )
            )
        return session.id

    async def touch(self, session: Session, max_age: int) -> None:
        """Extend the row's life (rolling expiry) without rewriting the data."""
        if session.id is None:
            return
        table = self.table
        async with self.database.transaction() as db:
            await db.execute(
                table.update().where(table.c.id == session.id).values(expires=time.time() + max_age)
            )

    async def delete(self, session: Session) -> None:
        """Delete the row; the id is worthless afterwards."""
        if session.id is None:
            return
        table = self.table
        async with self.database.transaction() as db:
            await db.execute(delete(table).where(table.c.id == session.id))

    async def purge_expired(self) -> int:
        """Delete expired rows; return how many were deleted."""
        table = self.table
        async with self.database.transaction() as db:
            result = await db.execute(delete(table).where(table.c.expires <= time.time()))
        return int(getattr(result, "rowcount", 0) or 0)
