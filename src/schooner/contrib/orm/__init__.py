"""The database battery: SQLAlchemy 2 models, a session per request, helpers that don't hide SQL.

Turn it on by adding a :class:`Database` to the app's components; it is configured by a URL
(SQLite in ``app.db`` by default, PostgreSQL and MariaDB/MySQL alike)::

    from schooner import App
    from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, IntPK, Model

    class Ship(IntPK, Model):
        __tablename__ = "ships"
        name: Mapped[str] = mapped_column(String(100))

    db = Database(config=DatabaseConfig.from_env())     # reads DATABASE_URL, now
    app = App(components=[db])

    @app.get("/ships/{ship_id:int}")
    async def ship(ship_id: int, session: AsyncSession) -> Ship:
        return await get_or_404(session, Ship, ship_id)

* **Sessions.** A parameter annotated ``AsyncSession`` (``Session`` in a ``def`` handler)
  gets one session per request. It is committed after the handler returns and *before* the
  response starts — a failed commit becomes an error answer, never a silent loss —
  rolled back when the handler raises (``HTTPException`` too), and always closed.
* **Models.** :class:`Model` with typed ``Mapped[]`` columns, deterministic constraint names,
  and mixins :class:`IntPK`, :class:`UUIDPK`, :class:`Timestamps`, :class:`Versioned`.
* **Wire form.** Return a model (or a list): it is sent through its schema —
  :func:`schema_for` derives one with ``include``/``exclude``/``rename``; private columns
  never leave unless asked for. :func:`model_from`, :func:`apply_update` and :func:`create`
  turn validated bodies into rows.
* **Queries.** :class:`FilterSet` (filters and ordering from query parameters),
  :func:`get_or_404`, :func:`get_for_update`, :func:`paginate`,
  :func:`paginate_keyset`, :func:`bulk_insert`, :func:`bulk_update`; everything else is plain
  SQLAlchemy.
* **Errors.** What the database refuses because of a client's values is answered ``409``
  (a conflict with stored data) or ``422`` (a value it cannot store), never ``500``, on
  every backend; integer values beyond a column's range are refused before they reach it.
* **Tests.** :mod:`schooner.contrib.orm.testing` has pytest fixtures for your project.
* **Migrations** are a battery of their own, built on this one:
  :mod:`schooner.contrib.migrations` (``schooner db``).

Needs the ``orm`` extra: ``pip install 'schooner[orm]'``.
"""

from __future__ import annotations

try:
    import sqlalchemy as _sqlalchemy  # noqa: F401 - only checks that the extra is installed
except ImportError:  # pragma: no cover - exercised without the extra
    from schooner.exceptions import MissingDependency

    raise MissingDependency("sqlalchemy", "orm") from None

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from schooner.contrib.orm._component import Database, databases_of
from schooner.contrib.orm._config import DatabaseConfig
from schooner.contrib.orm._filters import FilterSet
from schooner.contrib.orm._models import (
    NAMING_CONVENTION,
    UUIDPK,
    IntPK,
    Model,
    Timestamps,
    Versioned,
)
from schooner.contrib.orm._pagination import (
    CursorPage,
    Page,
    PageLinks,
    paginate,
    paginate_keyset,
)
from schooner.contrib.orm._query import bulk_insert, bulk_update, get_for_update, get_or_404
from schooner.contrib.orm._read import Reader, ReadQuery, reading
from schooner.contrib.orm._serialize import (
    ModelSchema,
    SerializationError,
    apply_update,
    create,
    model_from,
    schema_for,
)
from schooner.contrib.orm._session import TransactionMiddleware
from schooner.contrib.orm._types import UTCDateTime, integer_bounds, python_type_of, utcnow

__all__ = [
    "NAMING_CONVENTION",
    "UUIDPK",
    "AsyncSession",
    "CursorPage",
    "Database",
    "DatabaseConfig",
    "FilterSet",
    "IntPK",
    "Model",
    "ModelSchema",
    "Page",
    "PageLinks",
    "ReadQuery",
    "Reader",
    "SerializationError",
    "Session",
    "Timestamps",
    "TransactionMiddleware",
    "UTCDateTime",
    "Versioned",
    "apply_update",
    "bulk_insert",
    "bulk_update",
    "create",
    "databases_of",
    "get_for_update",
    "get_or_404",
    "integer_bounds",
    "model_from",
    "paginate",
    "paginate_keyset",
    "python_type_of",
    "reading",
    "schema_for",
    "utcnow",
]
