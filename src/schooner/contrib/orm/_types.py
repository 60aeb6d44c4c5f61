"""Column types and SQL functions that behave the same on SQLite, PostgreSQL and MariaDB.

``UTCDateTime`` stores instants in UTC and always gives back timezone-aware ``datetime``
objects, even on backends whose column type has no time zone (SQLite stores text, MariaDB a
``DATETIME``). ``utcnow()`` is the current instant in UTC as SQL, usable as a server default
on each backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["UTCDateTime", "utcnow"]


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
