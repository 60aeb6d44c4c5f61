"""Read-only endpoints with ReadQuery: statements compiled once, run on the driver."""

from __future__ import annotations

import msgspec
from orm_models import Author, Book
from sqlalchemy import bindparam, func, select

from schooner import App
from schooner.contrib.orm import Database, DatabaseConfig, ReadQuery, reading

db = Database(config=DatabaseConfig.from_env())
app = App(components=[db])
app.on_startup(db.create_all)

# Compiled the first time each runs on a database, then reused: only values travel.
author_by_id = ReadQuery(select(Author).where(Author.id == bindparam("id")))


class BookLine(msgspec.Struct):
    """Filled by attribute name from the selected columns."""

    title: str
    year: int


books_of = ReadQuery(
    select(Book).where(Book.author_id == bindparam("author_id")).order_by(Book.year),
    into=BookLine,
)
books_per_author = ReadQuery(
    select(Author.name, func.count(Book.id))
    .join(Book)
    .where(Author.id.in_(bindparam("ids", expanding=True)))
    .group_by(Author.name)
    .order_by(Author.name)
)


@app.get("/authors/{author_id:int}/profile")
async def profile(author_id: int) -> dict[str, object]:
    """Two queries on one pooled connection; the author is sent through its wire schema."""
    async with reading(db) as reader:
        author = await author_by_id.one_or_404(reader, id=author_id)
        books = await books_of.all(reader, author_id=author_id)
    return {"author": author, "books": books}


@app.get("/stats")
async def stats(ids: list[int]) -> dict[str, int]:
    """Column selects come back as tuples; an expanding parameter takes a list."""
    return dict(await books_per_author.all(db, ids=ids))
