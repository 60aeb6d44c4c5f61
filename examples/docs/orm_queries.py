"""Listing with filters, ordering and pagination, without N+1 queries; bulk changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from orm_models import Author, Book
from sqlalchemy import desc, select
from sqlalchemy.orm import joinedload

from schooner import App, Query, Request
from schooner.contrib.orm import (
    AsyncSession,
    CursorPage,
    Database,
    DatabaseConfig,
    ModelSchema,
    Page,
    bulk_update,
    get_or_404,
    paginate,
    paginate_keyset,
)

db = Database(config=DatabaseConfig.from_env())
app = App(components=[db])
app.on_startup(db.create_all)


class AuthorRef(ModelSchema):
    id: int
    name: str


class BookRow(ModelSchema):
    id: int
    title: str
    year: int
    author: AuthorRef  # filled from the relationship, which the query loads


SORTS = {"title": Book.title, "year": Book.year, "-year": desc(Book.year)}


@app.get("/books")
async def books(
    request: Request,
    session: AsyncSession,
    author: str | None = None,
    since: int | None = None,
    sort: Literal["title", "year", "-year"] = "title",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[Any]:
    """Numbered pages. Filters and sort keys are validated parameters, never raw SQL."""
    statement = select(Book).join(Book.author)
    if author is not None:
        statement = statement.where(Author.name == author)
    if since is not None:
        statement = statement.where(Book.year >= since)
    statement = statement.order_by(SORTS[sort], Book.id)  # end with a unique key
    return await paginate(
        session,
        statement,
        request=request,
        limit=limit,
        offset=offset,
        schema=BookRow,
        options=[joinedload(Book.author)],  # the author comes in the same query: no N+1
    )


@app.get("/feed")
async def feed(
    request: Request,
    session: AsyncSession,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CursorPage[Any]:
    """Newest first, by cursor: as fast on page 10,000 as on page 1 (index on year, id)."""
    return await paginate_keyset(
        session,
        select(Book),
        request=request,
        order_by=[desc(Book.year), desc(Book.id)],
        limit=limit,
        cursor=cursor,
    )


@app.get("/authors/{author_id:int}/books/{book_id:int}")
async def book_of(author_id: int, book_id: int, session: AsyncSession) -> BookRow:
    """A book under its own author only: any other pair of ids is a 404."""
    book = await get_or_404(
        session, Book, book_id, author_id=author_id, options=[joinedload(Book.author)]
    )
    return BookRow.from_model(book)


class PageCount(msgspec.Struct):
    id: int
    pages: int


@app.patch("/books/pages")
async def correct_page_counts(rows: list[PageCount], session: AsyncSession) -> dict[str, int]:
    """Many books at once: one ``UPDATE books SET pages=? WHERE id=?`` run for every row."""
    return {"updated": await bulk_update(session, Book, rows)}
