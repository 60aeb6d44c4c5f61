"""Query helpers: fetch-or-404, row locks, and bulk writes.

Relationships are loaded by the query that needs them, never lazily behind your back::

    ship = await get_or_404(session, Ship, ship_id, options=[selectinload(Ship.crew)])

``selectinload`` issues one extra ``SELECT … WHERE ship_id IN (…)`` for all the rows at
once — no N+1 — and ``joinedload`` folds a many-to-one into the same query.

Extra conditions narrow the lookup, as keyword filters (Django's
``get_object_or_404(Question, pk=pk, is_published=True)``) or SQLAlchemy expressions::

    question = await get_or_404(session, Question, pk, Question.pub_date <= now, is_published=True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.sql.elements import ColumnElement

from schooner.contrib.orm._serialize import _present_fields
from schooner.contrib.orm._types import out_of_bounds
from schooner.exceptions import NotFound

__all__ = ["bulk_insert", "bulk_update", "get_for_update", "get_or_404"]

M = TypeVar("M")


async def get_or_404(
    session: AsyncSession,
    model: type[M],
    pk: Any,
    /,
    *where: ColumnElement[bool],
    options: Sequence[ORMOption] = (),
    detail: str | None = None,
    **filters: Any,
) -> M:
    """Return the row of ``model`` with primary key ``pk``, or raise ``NotFound`` (404).

    The row must also match every condition given: SQLAlchemy expressions in ``where`` and
    equality ``filters`` by attribute name. A row that exists but does not match is
    missing too — a draft is a 404 to whoever may only see published questions::

        await get_or_404(session, Question, pk, is_published=True)
        await get_or_404(session, Question, pk, Question.pub_date <= now)

    An integer key or filter value beyond its column's range is a 404 at once (no row can
    hold it), instead of an error from the database.

    Args:
        session: the request's session.
        model: the mapped class.
        pk: the primary key value (a tuple for composite keys).
        where: conditions the row must also meet.
        options: loader options, e.g. ``[selectinload(Ship.crew)]``.
        detail: the problem detail; defaults to "No <Model> with id <pk>."
        filters: ``attribute=value`` conditions (a column named ``options``, ``detail`` or
            ``where`` is filtered with an expression instead).

    Raises:
        NotFound: no such row.
        TypeError: a filter names no column of ``model``, or a ``where`` item is not a
            SQL expression.
    """
    return await _get(session, model, pk, where, filters, options=options, detail=detail)


async def get_for_update(
    session: AsyncSession,
    model: type[M],
    pk: Any,
    /,
    *where: ColumnElement[bool],
    nowait: bool = False,
    skip_locked: bool = False,
    options: Sequence[ORMOption] = (),
    detail: str | None = None,
    **filters: Any,
) -> M:
    """Like :func:`get_or_404`, but lock the row until the request's transaction ends.

    Issues ``SELECT … FOR UPDATE``: a concurrent request that locks the same row waits
    until this one commits, then reads the committed value — so read-modify-write
    sequences (``account.balance -= amount``) never lose an update. The value is always
    read fresh from the database, even if the session had it already.

    On SQLite, which has no row locks, the read takes the database's one write lock
    instead (``BEGIN IMMEDIATE``): a concurrent request that changes anything waits until
    this one commits.

    Args:
        nowait: fail at once (``OperationalError``) instead of waiting for the lock.
        skip_locked: treat a locked row as missing (work queues).
        where, filters, options, detail: as for :func:`get_or_404`.
    """
    lock: dict[str, bool] | bool = (
        {"nowait": nowait, "skip_locked": skip_locked} if nowait or skip_locked else True
    )
    return await _get(session, model, pk, where, filters, options=options, detail=detail, lock=lock)


async def _get(
    session: AsyncSession,
    model: type[M],
    pk: Any,
    where: Sequence[ColumnElement[bool]],
    filters: Mapping[str, Any],
    *,
    options: Sequence[ORMOption],
    detail: str | None,
    lock: dict[str, bool] | bool | None = None,
) -> M:
    mapper: Mapper[Any] = sa_inspect(model)
    identity = _identity(mapper, pk)
    conditions = _equalities(mapper, filters)
    bad = [c for c in where if not isinstance(c, ColumnElement)]
    if bad:
        raise TypeError(
            f"get_or_404 takes SQL expressions after the key, such as {model.__name__}.x == 1, "
            f"not {bad[0]!r}; pass a composite key as one tuple."
        )
    missing = NotFound(detail or f"No {model.__name__} with id {pk!r}.")
    if any(out_of_bounds(column.type, value) for column, value in (*identity, *conditions)):
        raise missing  # no row can hold the value: the database would only refuse it
    instance: M | None
    if not where and not filters:
        locking: dict[str, Any] = {}
        if lock is not None:
            locking = {"with_for_update": lock, "populate_existing": True}
        key = tuple(value for _, value in identity)
        instance = await session.get(
            model, key if len(key) > 1 else key[0], options=options, **locking
        )
    else:
        statement: Select[Any] = (
            select(model)
            .where(*(column == value for column, value in (*identity, *conditions)), *where)
            .options(*options)
        )
        if lock is not None:
            flags = lock if isinstance(lock, dict) else {}
            statement = statement.with_for_update(
                nowait=flags.get("nowait", False), skip_locked=flags.get("skip_locked", False)
            ).execution_options(populate_existing=True)
        instance = (await session.scalars(statement)).one_or_none()
    if instance is None:
        raise missing
    return instance


def _identity(mapper: Mapper[Any], pk: Any) -> list[tuple[Any, Any]]:
    """The primary-key columns paired with the values of ``pk``."""
    columns = list(mapper.primary_key)
    if isinstance(pk, Mapping):  # {"attribute": value}, as session.get accepts
        values = tuple(pk.get(mapper.get_property_by_column(c).key) for c in columns)
    else:
        values = tuple(pk) if isinstance(pk, tuple | list) else (pk,)
    if len(values) != len(columns):
        raise TypeError(
            f"{mapper.class_.__name__} has a primary key of {len(columns)} column(s); "
            f"got {len(values)} value(s)."
        )
    return list(zip(columns, values, strict=True))


def _equalities(mapper: Mapper[Any], filters: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """The columns named by ``filters`` paired with their values."""
    found: list[tuple[Any, Any]] = []
    for name, value in filters.items():
        attribute = mapper.column_attrs.get(name)
        if attribute is None:
            raise TypeError(f"{mapper.class_.__name__} has no column {name!r} to filter on.")
        found.append((attribute.columns[0], value))
    return found


async def bulk_insert(
    session: AsyncSession, model: type[M], rows: Iterable[Any], /, *, returning: bool = False
) -> list[M]:
    """Insert many rows in as few statements as the driver allows.

    Rows are mappings, Structs or dataclasses (``UNSET`` fields are left to their
    defaults). Python-side defaults (``UUIDPK``) apply; nothing is loaded back unless
    ``returning=True``, which returns the new instances (``INSERT … RETURNING``; MariaDB
    10.5+).

    Returns:
        The inserted instances when ``returning``, else an empty list.
    """
    values = [_present_fields(row) for row in rows]
    if not values:
        return []
    if returning:
        result = await session.scalars(insert(model).returning(model), values)
        return list(result.all())
    await session.execute(insert(model), values)
    return []


async def bulk_update(session: AsyncSession, model: type[Any], rows: Iterable[Any], /) -> int:
    """Update many rows by primary key: each row carries its key plus the columns to set.

    One ``UPDATE … WHERE id = ?`` executed for all rows at once (executemany). Rows may set
    different columns; rows setting the same columns are batched together. ``onupdate``
    values such as ``updated_at`` are applied.

    Returns:
        The number of rows given.
    """
    values = [_present_fields(row) for row in rows]
    if not values:
        return 0
    await session.execute(update(model), values)
    return len(values)
