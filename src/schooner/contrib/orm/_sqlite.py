"""SQLite made to behave like the servers: foreign keys, savepoints, writers that wait.

SQLite lets one connection write at a time. A transaction begun with a plain (deferred)
``BEGIN`` reads from a snapshot taken at its first statement and asks for the write lock at
its first write. Two requests that each *read, then write* in one such transaction both
hold a snapshot when they ask: the first gets the lock, and the second can never have it —
its snapshot would be stale once the first commits — so SQLite answers "database is locked"
at once, without waiting for the busy timeout (an upgrade deadlock cannot be waited out).
That is the shape of most requests that change something: load a row, change it.

So on SQLite the battery takes the write lock *before* a transaction's first write, with
``BEGIN IMMEDIATE``, which waits for the writer ahead of it (up to
``DatabaseConfig.sqlite_busy_timeout``) instead of failing:

* Reads that come before a transaction's first write run on their own, in autocommit, and
  see what is committed when they run — as reads do at PostgreSQL's default isolation
  level, ``READ COMMITTED``. They never wait for the write lock (in WAL mode readers and
  the writer do not block each other), so a request that only reads never queues behind
  writers, and neither do :class:`~schooner.contrib.orm.ReadQuery` reads.
* The first ``INSERT``, ``UPDATE``, ``DELETE``, DDL statement, savepoint
  (``session.begin_nested()``) or ``SELECT … FOR UPDATE``
  (:func:`~schooner.contrib.orm.get_for_update`) begins the transaction with
  ``BEGIN IMMEDIATE``; everything after it, reads included, is in that transaction until
  the commit or rollback. (SQLAlchemy turns the driver's own, later ``BEGIN`` back on for
  a pooled connection that was used in ``AUTOCOMMIT``; this one still comes first.)
* Concurrent writers therefore queue instead of failing, as on the servers: an update
  made from a plain read can be lost to another request's (as at ``READ COMMITTED``);
  ``get_for_update`` reads inside the write transaction, so read-modify-write sequences
  through it lose nothing, and ``Versioned`` rows refuse the slower writer with ``409``.

Beginning every transaction with ``BEGIN IMMEDIATE`` instead would make a request that has
read anything hold the write lock until its response — and any transaction of its own that
the request opens meanwhile (an audit record, a database-backed web session) would wait for
it until the busy timeout ran out.

The connection settings follow SQLAlchemy's recipe for pysqlite and aiosqlite
("Serializable isolation / Savepoints / Transactional DDL"): the driver's own transaction
handling is turned off (``isolation_level = None``) and SQLAlchemy's events say when to
``BEGIN``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine.default import DefaultExecutionContext

__all__ = ["BEGIN", "prepare_sqlite"]

BEGIN = "BEGIN IMMEDIATE"
"""How a transaction begins on SQLite: taking the write lock (see the module)."""

# The first keyword of SQL text that takes no write lock first: reads, transaction control,
# and what SQLite refuses inside a transaction (PRAGMA journal_mode, VACUUM, ATTACH).
# Anything else — an UPDATE, or a WITH that may end in one — takes it, to be safe.
_LEAVE_ALONE = re.compile(
    r"\s*(SELECT|VALUES|EXPLAIN|PRAGMA|BEGIN|COMMIT|END|ROLLBACK|VACUUM|ATTACH|DETACH)\b",
    re.IGNORECASE,
)


def prepare_sqlite(engine: Engine, *, busy_timeout: float) -> None:
    """Install SQLite's connection settings and write-lock rules on ``engine``.

    Args:
        engine: a sync engine (an async engine's ``sync_engine``) on SQLite.
        busy_timeout: seconds a connection waits for another's write lock before SQLite
            gives up with "database is locked".
    """
    milliseconds = round(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # the events below say when to BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {milliseconds:d}")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        connection: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: DefaultExecutionContext | None,
        executemany: bool,
    ) -> None:
        if not _writes(statement, context):
            return
        _begin_immediate(connection)

    @event.listens_for(engine, "savepoint")
    def _before_savepoint(connection: Connection, name: str) -> None:
        # Without a transaction, SQLite would make the savepoint one (deferred), and
        # releasing it would commit the work before it.
        _begin_immediate(connection)


def _begin_immediate(connection: Connection) -> None:
    """Begin SQLite's transaction, taking the write lock, unless it has begun already."""
    if not connection.in_transaction():
        return  # nobody would commit it
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # asked for autocommit: each statement commits by itself
    proxied = connection.connection
    if proxied.driver_connection is None or proxied.driver_connection.in_transaction:
        return
    # On the driver's cursor: through SQLAlchemy, the BEGIN would come back to these events.
    cursor = proxied.cursor()
    try:
        cursor.execute(BEGIN)
    finally:
        cursor.close()


def _writes(statement: str, context: DefaultExecutionContext | None) -> bool:
    """Whether ``statement`` changes the database, or reads to change it (``FOR UPDATE``)."""
    if context is None or context.is_text:
        return _LEAVE_ALONE.match(statement) is None
    if context.isinsert or context.isupdate or context.isdelete or context.isddl:
        return True
    # SQLite has no FOR UPDATE (its compiler drops the clause); a SELECT that asks for one
    # takes the write lock, which is what the clause is for. `_for_update_arg` is where
    # SQLAlchemy keeps the arguments of with_for_update().
    statement_object = getattr(context.compiled, "statement", None)
    return getattr(statement_object, "_for_update_arg", None) is not None
