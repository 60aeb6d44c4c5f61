"""Pagination: numbered pages (limit/offset with a total) and cursor pages (keyset).

Both return a Struct the handler can return as is, with ``links`` built from the request's
own URL (other query parameters kept)::

    @app.get("/ships")
    async def ships(request: Request, session: AsyncSession,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20,
                    offset: Annotated[int, Query(ge=0)] = 0) -> Page[ShipOut]:
        return await paginate(session, select(Ship).order_by(Ship.id), request=request,
                              limit=limit, offset=offset, schema=ShipOut)

Limit/offset is simple and gives a total, but the database still walks past every skipped
row and rows shift when others are inserted. Keyset pagination (:func:`paginate_keyset`)
continues *after the last row seen* using an index, so page 10,000 costs what page 1
costs; it has no total and no random access.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode

import msgspec
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.sql import ColumnElement, operators
from sqlalchemy.sql.elements import UnaryExpression

from schooner.contrib.orm._serialize import ModelSchema
from schooner.contrib.orm._types import out_of_bounds, python_type_of
from schooner.exceptions import BadRequest
from schooner.http import Request

__all__ = ["CursorPage", "Page", "PageLinks", "paginate", "paginate_keyset"]

T = TypeVar("T")


class PageLinks(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Absolute URLs of neighbouring pages; a link is absent when there is no such page."""

    self_: str = msgspec.field(name="self")
    first: str | None = None
    prev: str | None = None
    next: str | None = None
    last: str | None = None


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a limit/offset listing.

    Attributes:
        items: the rows of this page (models, or ``schema`` instances).
        total: how many rows the whole listing has.
        limit: the page size asked for.
        offset: how many rows come before this page.
        links: ``self``, ``first``, ``prev``, ``next`` and ``last``.
    """

    items: list[T]
    total: int
    limit: int
    offset: int
    links: PageLinks


class CursorPage(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a keyset listing.

    Attributes:
        items: the rows of this page.
        limit: the page size asked for.
        next_cursor: pass as ``?cursor=`` for the following page (``None`` at the end).
        prev_cursor: pass as ``?cursor=`` for the preceding page (``None`` at the start).
        links: ``self``, ``first``, ``prev`` and ``next``.
    """

    items: list[T]
    limit: int
    next_cursor: str | None
    prev_cursor: str | None
    links: PageLinks


def _with_query(request: Request, **changes: Any) -> str:
    """The request URL with some query parameters set in place (``None`` removes one)."""
    url = request.url
    params: list[tuple[str, str]] = []
    done: set[str] = set()
    for key, value in parse_qsl(url.query, keep_blank_values=True):
        if key not in changes:
            params.append((key, value))
        elif key not in done:
            done.add(key)
            if changes[key] is not None:
                params.append((key, str(changes[key])))
    params += [(k, str(v)) for k, v in changes.items() if k not in done and v is not None]
    return str(url.replace(query=urlencode(params)))


def _items(rows: Sequence[Any], schema: type[ModelSchema] | None) -> list[Any]:
    return [schema.from_model(row) for row in rows] if schema is not None else list(rows)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    /,
    *,
    request: Request,
    limit: int,
    offset: int = 0,
    schema: type[ModelSchema] | None = None,
    options: Sequence[ORMOption] = (),
) -> Page[Any]:
    """Run ``statement`` for one page and count the whole listing.

    Args:
        session: the request's session.
        statement: a ``select(Model)`` with a deterministic ``order_by`` (end with the
            primary key) — without one, rows may repeat or vanish between pages.
        request: the current request, for the links.
        limit: rows per page (validate it: ``Query(ge=1, le=100)``).
        offset: rows to skip.
        schema: convert each row with ``schema.from_model`` (else rows are returned and
            encoded through their model's wire schema).
        options: loader options for the rows only (``selectinload(Ship.crew)``), so the
            count query stays cheap.
    """
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    total = int((await session.execute(counted)).scalar_one())
    page = statement.limit(limit).offset(offset)
    if options:
        page = page.options(*options)
    rows = (await session.scalars(page)).all()
    last_offset = max(((total - 1) // limit) * limit, 0) if limit else 0
    links = PageLinks(
        self_=str(request.url),
        first=_with_query(request, offset=0, limit=limit),
        prev=_with_query(request, offset=max(offset - limit, 0), limit=limit) if offset else None,
        next=_with_query(request, offset=offset + limit, limit=limit)
        if offset + limit < total
        else None,
        last=_with_query(request, offset=last_offset, limit=limit),
    )
    return Page(items=_items(rows, schema), total=total, limit=limit, offset=offset, links=links)


# -- keyset ----------------------------------------------------------------------------------

Direction = Literal["next", "prev"]


def encode_cursor(values: Sequence[Any], direction: Direction) -> str:
    """An opaque, URL-safe cursor holding the key values of a row and a direction."""
    raw = msgspec.json.encode([direction, list(values)])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, types: Sequence[type[Any]]) -> tuple[Direction, list[Any]]:
    """Read a cursor made by :func:`encode_cursor`, converting values to ``types``.

    Raises:
        BadRequest: the cursor was not made by this listing (tampered, truncated, stale).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, values = msgspec.json.decode(raw, type=tuple[Literal["next", "prev"], list[Any]])
        if len(values) != len(types):
            raise ValueError("wrong number of values")
        pairs = zip(values, types, strict=True)
        converted = [msgspec.convert(value, kind, strict=False) for value, kind in pairs]
    except (ValueError, binascii.Error, msgspec.ValidationError, msgspec.DecodeError):
        raise BadRequest("The cursor is invalid; start again from the first page.")
    return direction, converted


def _keys(order_by: Sequence[Any]) -> list[tuple[ColumnElement[Any], bool]]:
    """(column, descending) for each ordering term."""
    keys: list[tuple[ColumnElement[Any], bool]] = []
    for term in order_by:
        if isinstance(term, UnaryExpression) and term.modifier in (
            operators.desc_op,
            operators.asc_op,
        ):
            keys.append((term.element, term.modifier is operators.desc_op))
        else:
            keys.append((term, False))
    return keys


def _after(keys: Sequence[tuple[ColumnElement[Any], bool]], values: Sequence[Any]) -> Any:
    """``WHERE`` for rows strictly after ``values`` in the ordering (mixed directions ok)."""
    clauses = []
    for index, (column, descending) in enumerate(keys):
        equal = [keys[i][0] == values[i] for i in range(index)]
        beyond = column < values[index] if descending else column > values[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def _python_type(column: ColumnElement[Any]) -> type[Any]:
    return python_type_of(column.type) or object


async def paginate_keyset(
    session: AsyncSession,
    statement: Select[Any],
    /,
    *,
    request: Request,
    order_by: Sequence[Any],
    limit: int,
    cursor: str | None = None,
    schema: type[ModelSchema] | None = None,
    options: Sequence[ORMOption] = (),
) -> CursorPage[Any]:
    """Return the page after (or before) ``cursor``, ordered by ``order_by``.

    Args:
        statement: a ``select(Model)`` with filters but no ``order_by`` (given here).
        order_by: columns, optionally ``desc(...)``; the last must be unique (the primary
            key) so that the order is total, and none may be ``NULL``. An index on them
            makes every page as fast as the first.
        request: the current request, for the links.
        limit: rows per page.
        cursor: ``next_cursor`` / ``prev_cursor`` of a page, or ``None`` for the first.
        schema, options: as for :func:`paginate`.

    Raises:
        BadRequest: the cursor is invalid.
    """
    keys = _keys(order_by)
    direction: Direction = "next"
    query = statement
    if cursor is not None:
        direction, values = decode_cursor(cursor, [_python_type(c) for c, _ in keys])
        if any(out_of_bounds(c.type, v) for (c, _), v in zip(keys, values, strict=True)):
            # Made by no page of this listing: the database would refuse the value.
            raise BadRequest("The cursor is invalid; start again from the first page.")
        if direction == "prev":
            flipped = [(c, not desc) for c, desc in keys]
            query = query.where(_after(flipped, values))
        else:
            query = query.where(_after(keys, values))
    walk = keys if direction == "next" else [(c, not desc) for c, desc in keys]
    query = query.order_by(*(c.desc() if desc else c.asc() for c, desc in walk)).limit(limit + 1)
    if options:
        query = query.options(*options)
    rows = list((await session.scalars(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    if direction == "prev":
        rows.reverse()
    has_next = more if direction == "next" else cursor is not None
    has_prev = (cursor is not None) if direction == "next" else more
    names = [_key_name(c) for c, _ in keys]
    next_cursor = (
        encode_cursor([getattr(rows[-1], n) for n in names], "next") if has_next and rows else None
    )
    prev_cursor = (
        encode_cursor([getattr(rows[0], n) for n in names], "prev") if has_prev and rows else None
    )
    links = PageLinks(
        self_=str(request.url),
        first=_with_query(request, cursor=None, limit=limit),
        prev=_with_query(request, cursor=prev_cursor, limit=limit) if prev_cursor else None,
        next=_with_query(request, cursor=next_cursor, limit=limit) if next_cursor else None,
    )
    return CursorPage(
        items=_items(rows, schema),
        limit=limit,
        next_cursor=next_cursor,
        prev_cursor=prev_cursor,
        links=links,
    )


def _key_name(column: ColumnElement[Any]) -> str:
    key = getattr(column, "key", None)
    if not isinstance(key, str):
        raise ValueError(f"Cannot paginate by {column!r}: order by mapped columns.")
    return key
