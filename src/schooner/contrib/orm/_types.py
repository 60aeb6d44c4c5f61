"""Column types and SQL functions that behave the same on SQLite, PostgreSQL and MariaDB.

``UTCDateTime`` stores instants in UTC and always gives back timezone-aware ``datetime``
objects, even on backends whose column type has no time zone (SQLite stores text, MariaDB a
``DATETIME``). ``utcnow()`` is the current instant in UTC as SQL, usable as a server default
on each backend. ``integer_bounds()`` tells which values an integer column can hold, so values
beyond them are refused before they reach a driver (which would fail, or on MariaDB compare
silently).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, SmallInteger
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["UTCDateTime", "integer_bounds", "out_of_bounds", "python_type_of", "utcnow"]


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware ``datetime`` column, stored in UTC on every backend.

    PostgreSQL gets ``TIMESTAMP WITH TIME ZONE``; SQLite and MariaDB/MySQL, which have no
    such type, get a naive UTC value (``DATETIME(6)`` on MariaDB, for microseconds).
    Values read back are always aware and in UTC. Writing a naive ``datetime`` is refused:
    its meaning depends on the server's clock settings, which is how timestamps silently
    shift by hours. Use ``datetime.now(UTC)``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Pick the column type: microsecond ``DATETIME(6)`` on MariaDB/MySQL."""
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware value to UTC (naive UTC where the column has no zone)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"Naive datetime {value.isoformat()} given to a timezone-aware column; "
                "pass an aware value such as datetime.now(UTC)."
            )
        value = value.astimezone(UTC)
        if dialect.name == "postgresql":
            return value
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC value whatever the backend sent."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class utcnow(FunctionElement[datetime]):
    """The current instant in UTC, rendered for each backend.

    Use it as ``server_default=utcnow()`` or ``onupdate=utcnow()``. It renders as ``now()``
    on PostgreSQL, ``UTC_TIMESTAMP(6)`` on MariaDB/MySQL (independent of the connection's
    time zone) and a microsecond-formatted ``strftime`` on SQLite.
    """

    type = UTCDateTime()
    inherit_cache = True


@compiles(utcnow)
def _utcnow_default(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "CURRENT_TIMESTAMP"


@compiles(utcnow, "postgresql")
def _utcnow_postgresql(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "now()"


@compiles(utcnow, "sqlite")
def _utcnow_sqlite(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    # %f gives milliseconds ("SS.SSS"); three more zeros make the six digits SQLAlchemy's
    # SQLite DATETIME parser reads as microseconds.
    return "strftime('%Y-%m-%d %H:%M:%f000', 'now')"


@compiles(utcnow, "mysql")
@compiles(utcnow, "mariadb")
def _utcnow_mysql(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "UTC_TIMESTAMP(6)"


def integer_bounds(column_type: TypeEngine[Any]) -> tuple[int, int] | None:
    """The smallest and largest value an integer column holds, or ``None`` for other types.

    The bounds are those of the declared type, the same on every backend: ``Integer`` is
    32 bits (PostgreSQL's ``integer``, MariaDB's ``INT``), ``BigInteger`` 64 and
    ``SmallInteger`` 16, MariaDB's ``TINYINT``/``MEDIUMINT`` 8/24, from 0 when ``unsigned``.
    SQLite would store any 64-bit value, but a model is meant to behave the same on the
    servers it is deployed on.
    """
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if not isinstance(column_type, Integer):
        return None
    if isinstance(column_type, BigInteger):
        bits = 64
    elif isinstance(column_type, SmallInteger):
        bits = 16
    elif isinstance(column_type, mysql.TINYINT):
        bits = 8
    elif isinstance(column_type, mysql.MEDIUMINT):
        bits = 24
    else:
        bits = 32
    if getattr(column_type, "unsigned", False):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def out_of_bounds(column_type: TypeEngine[Any], value: Any) -> bool:
    """Whether ``value`` is an ``int`` an integer column of ``column_type`` cannot hold."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    bounds = integer_bounds(column_type)
    return bounds is not None and not bounds[0] <= value <= bounds[1]


def python_type_of(column_type: TypeEngine[Any]) -> type[Any] | None:
    """The Python type of a column's values, or ``None`` when the type does not say.

    A ``TypeDecorator`` that does not declare one (``UTCDateTime``) answers ``object``;
    the type it decorates knows better (``datetime``).
    """
    while True:
        try:
            found: type[Any] = column_type.python_type
        except NotImplementedError:
            found = object
        if found is not object or not isinstance(column_type, TypeDecorator):
            return None if found is object else found
        column_type = column_type.impl_instance
