"""Query helpers: fetch-or-404, row locks, and bulk writes.

Relationships are loaded by the query that needs them, never lazily behind your back::

    ship = await get_or_404(session, Ship, ship_id, options=[selectinload(Ship.crew)])

``selectinload`` issues one extra ``SELECT … WHERE ship_id IN (…)`` for all the rows at
once — no N+1 — and ``joinedload`` folds a many-to-one into the same query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from schooner.contrib.orm._serialize import _present_fields
from schooner.exceptions import NotFound

__all__ = ["bulk_insert", "bulk_update", "get_for_update", "get_or_404"]

M = TypeVar("M")


async def get_or_404(
    session: AsyncSession,
    model: type[M],
    pk: Any,
    /,
    *,
    options: Sequence[ORMOption] = (),
    detail: str | None = None,
) -> M:
    """Return the row of ``model`` with primary key ``pk``, or raise ``NotFound`` (404).

    Args:
        session: the request's session.
        model: the mapped class.
        pk: the primary key value (a tuple for composite keys).
        options: loader options, e.g. ``[selectinload(Ship.crew)]``.
        detail: the problem detail; defaults to "No <Model> with id <pk>."
    """
    instance = await session.get(model, pk, options=options)
    if instance is None:
        raise NotFound(detail or f"No {model.__name__} with id {pk!r}.")
    return instance


async def get_for_update(
    session: AsyncSession,
    model: type[M],
    pk: Any,
    /,
    *,
    nowait: bool = False,
    skip_locked: bool = False,
    options: Sequence[ORMOption] = (),
    detail: str | None = None,
) -> M:
    """Like :func:`get_or_404`, but lock the row until the request's transaction ends.

    Issues ``SELECT … FOR UPDATE``: a concurrent request that locks the same row waits
    until this one commits, then reads the committed value — so read-modify-write
    sequences (``account.balance -= amount``) never lose an update. The value is always
    read fresh from the database, even if the session had it already.

    On SQLite, which has no row locks, the clause is omitted; SQLite lets one writer in at
    a time and a conflicting writer fails with "database is locked" rather than silently
    overwriting.

    Args:
        nowait: fail at once (``OperationalError``) instead of waiting for the lock.
        skip_locked: treat a locked row as missing (work queues).
    """
    lock: dict[str, bool] | bool = (
        {"nowait": nowait, "skip_locked": skip_locked} if nowait or skip_locked else True
    )
    instance = await session.get(
        model, pk, options=options, with_for_update=lock, populate_existing=True
    )
    if instance is None:
        raise NotFound(detail or f"No {model.__name__} with id {pk!r}.")
    return instance


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
