"""Database errors caused by a client's input become 4xx problems, never a 500.

A database refuses a write for two kinds of reasons: the data conflicts with what is stored
(a duplicate of a unique value, a reference to a row that does not exist) or a value cannot
be stored at all (a number beyond the column's range, a string too long, a NUL character on
PostgreSQL). Both are the client's doing, so the :class:`~schooner.contrib.orm.Database`
component registers exception handlers that answer them:

* ``409 Conflict`` — the data conflicts with what is stored: a unique value that exists
  already, a foreign key (a row that does not exist, or one others still refer to), another
  integrity rule, a failed version check (``Versioned``). The status is the database
  configuration's ``conflict_status``.
* ``422 Unprocessable Content`` — a value can never be stored: a ``NOT NULL`` column left
  empty, a check constraint, a number out of range, a string too long or with a character
  the database cannot store.

The drivers disagree on how they say it — asyncpg reports SQLSTATEs, PyMySQL MariaDB error
numbers, sqlite3 extended result codes, and sqlite3 raises a bare ``OverflowError`` for an
integer beyond 64 bits — so the engines of the component normalise them first: every such
failure reaches your code as SQLAlchemy's :class:`~sqlalchemy.exc.IntegrityError` or
:class:`~sqlalchemy.exc.DataError`, on every backend. The problem details say what kind of
rule failed, never the SQL, the values or the constraint's name.

Override an answer with your own handler: ``app.add_exception_handler(IntegrityError, h)``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from schooner.exceptions import HTTPException
from schooner.http import Request, Response
from schooner.middleware.errors import problem_response

__all__ = [
    "Refusal",
    "as_refusal",
    "conflict_detail",
    "normalise_errors",
    "refusal_handler",
    "refusal_of",
    "refusal_status",
]

logger = logging.getLogger("schooner.orm")

Refusal = Literal["unique", "foreign_key", "integrity", "not_null", "check", "invalid"]
"""Why the database refused a statement because of the values it was given."""

_DETAILS: dict[str, str] = {
    "unique": "A record with the same unique value already exists.",
    "foreign_key": "The change refers to a record that does not exist, or removes one that "
    "other records still refer to.",
    "integrity": "The change conflicts with data already stored.",
    "not_null": "A required value is missing.",
    "check": "A value breaks a rule the data must follow.",
    "invalid": "A value is out of range or not valid for where it is stored (too large, too "
    "long, or with characters that cannot be stored).",
    "stale": "The record was changed by someone else since it was read; reload it and try again.",
}
_CONFLICTS = frozenset({"unique", "foreign_key", "integrity"})

# PostgreSQL SQLSTATEs (class 23: integrity constraint violation).
_SQLSTATES: dict[str, Refusal] = {
    "23505": "unique",
    "23503": "foreign_key",
    "23502": "not_null",
    "23514": "check",
}
# MariaDB/MySQL error numbers.
_MYSQL_ERRORS: dict[int, Refusal] = {
    1022: "unique",  # duplicate key
    1062: "unique",  # duplicate entry
    1586: "unique",  # duplicate entry for a key
    1216: "foreign_key",  # cannot add or update a child row
    1217: "foreign_key",  # cannot delete or update a parent row
    1451: "foreign_key",
    1452: "foreign_key",
    1048: "not_null",  # column cannot be null
    3819: "check",  # MySQL: check constraint violated
    4025: "check",  # MariaDB: CONSTRAINT failed
    1264: "invalid",  # out of range value
    1265: "invalid",  # data truncated
    1292: "invalid",  # incorrect datetime/number value
    1366: "invalid",  # incorrect string/integer value
    1406: "invalid",  # data too long
    1690: "invalid",  # value out of range in an expression
    3140: "invalid",  # invalid JSON text
}
# sqlite3's extended result codes (Python 3.11+ sets sqlite_errorname).
_SQLITE_ERRORS: dict[str, Refusal] = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_CHECK": "check",
    "SQLITE_TOOBIG": "invalid",
    "SQLITE_MISMATCH": "invalid",
}


def refusal_of(exc: BaseException) -> Refusal | None:
    """Why the database refused, when the values sent caused it; ``None`` otherwise.

    ``exc`` is a SQLAlchemy error or the driver's own (asyncpg, psycopg, PyMySQL/aiomysql,
    sqlite3/aiosqlite). Lost connections, deadlocks, syntax errors and the like give
    ``None``: they are the server's problem, not the client's.
    """
    if isinstance(exc, StaleDataError):
        return None
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(original, OverflowError):  # sqlite3 binding an integer beyond 64 bits
        return "invalid"
    if type(original).__module__.startswith("asyncpg") and type(original).__name__ == "DataError":
        return "invalid"  # asyncpg refusing to encode an argument (out of int64 range …)
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str) and len(sqlstate) == 5:
        # PyMySQL reports the generic 23000 for every integrity error: its number says more.
        refusal = _SQLSTATES.get(sqlstate) or _mysql_refusal(original)
        if refusal is not None:
            return refusal
        if sqlstate.startswith("23"):
            return "integrity"
        if sqlstate.startswith("22"):
            return "invalid"
        return None
    name = getattr(original, "sqlite_errorname", None)
    if isinstance(name, str):
        if name in _SQLITE_ERRORS:
            return _SQLITE_ERRORS[name]
        return "integrity" if name.startswith("SQLITE_CONSTRAINT") else None
    return _mysql_refusal(original)


def _mysql_refusal(original: BaseException) -> Refusal | None:
    if type(original).__module__.split(".")[0] not in ("pymysql", "aiomysql", "asyncmy"):
        return None
    number = original.args[0] if original.args else None
    return _MYSQL_ERRORS.get(number) if isinstance(number, int) else None


def normalise_errors(engine: Engine) -> None:
    """Make ``engine`` raise ``IntegrityError`` / ``DataError`` for what the values caused.

    asyncpg's adapter reports a value out of range or a NUL character as a plain
    ``DBAPIError``, MariaDB a failed check constraint as an ``OperationalError``, and sqlite3
    an integer beyond 64 bits as an ``OverflowError`` that SQLAlchemy does not wrap; after
    this, each is the SQLAlchemy class a program (and an exception handler) expects.
    """

    @event.listens_for(engine, "handle_error")
    def _normalise(context: ExceptionContext) -> BaseException | None:
        if isinstance(context.sqlalchemy_exception, IntegrityError | DataError):
            return None
        return as_refusal(context.original_exception, context.statement, context.parameters)


def as_refusal(exc: BaseException, statement: str | None, parameters: Any) -> DBAPIError | None:
    """``exc`` (a driver's error) as SQLAlchemy's ``IntegrityError`` or ``DataError`` when
    the values caused it (see :func:`refusal_of`); ``None`` when they did not."""
    refusal = refusal_of(exc)
    if refusal is None:
        return None
    kind = DataError if refusal == "invalid" else IntegrityError
    # DBAPIError takes any exception as its cause: an OverflowError is no DBAPI error.
    translated = kind(statement, parameters, exc)
    translated.__cause__ = exc
    return translated


def conflict_detail(exc: BaseException) -> str:
    """The problem ``detail`` for a database refusal or a version conflict (no SQL, no values)."""
    if isinstance(exc, StaleDataError):
        return _DETAILS["stale"]
    return _DETAILS[refusal_of(exc) or "integrity"]


def refusal_status(exc: BaseException, conflict_status: int) -> int:
    """``conflict_status`` for conflicts with stored data, ``422`` for values never storable."""
    if isinstance(exc, StaleDataError):
        return conflict_status
    refusal = refusal_of(exc) or ("invalid" if isinstance(exc, DataError) else "integrity")
    return conflict_status if refusal in _CONFLICTS else 422


def refusal_handler(conflict_status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    """The exception handler the component registers for ``IntegrityError``, ``DataError``
    and ``StaleDataError``: a problem response with the status the module documentation
    gives (``conflict_status`` for conflicts)."""

    async def database_refused(request: Request, exc: Exception) -> Response:
        status = refusal_status(exc, conflict_status)
        # Logged without the statement: the message may carry values a client sent.
        logger.info(
            "Answering %s to %s: %s", status, type(exc).__name__, refusal_of(exc) or "stale"
        )
        detail = conflict_detail(exc)
        # A 422 is documented as a validation problem (with ``errors``): the database gives
        # no field, so the one error names none (an empty ``loc``).
        extra = (
            {"errors": [{"loc": [], "msg": detail, "type": "database"}]} if status == 422 else None
        )
        return problem_response(HTTPException(status, detail, extra=extra))

    return database_refused
