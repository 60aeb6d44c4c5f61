"""What goes on the wire: derived schemas, explicit schemas, nested relationships."""

from __future__ import annotations

from orm_models import Author, Book
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from schooner import App
from schooner.contrib.orm import (
    AsyncSession,
    Database,
    DatabaseConfig,
    ModelSchema,
    get_or_404,
    schema_for,
)

db = Database(config=DatabaseConfig.from_env())
app = App(components=[db])
app.on_startup(db.create_all)

# Derived from the model: pick, drop and rename fields; private columns stay out.
AuthorCard = schema_for(
    Author, include={"id", "name"}, rename={"name": "displayName"}, name="AuthorCard"
)


class BookOut(ModelSchema):
    """An explicit schema: fully typed, read from the model attributes of the same names."""

    title: str
    year: int


AuthorWithBooks = schema_for(
    Author, exclude={"email", "updated_at"}, nested={"books": BookOut}, name="AuthorWithBooks"
)


@app.get("/authors/{author_id:int}")
async def author(author_id: int, session: AsyncSession) -> Author:
    """A model is sent through its default schema: every column except private ones."""
    return await get_or_404(session, Author, author_id)


@app.get("/authors")
async def authors(session: AsyncSession) -> list[ModelSchema]:
    rows = await session.scalars(select(Author).order_by(Author.name))
    return [AuthorCard.from_model(a) for a in rows]


@app.get("/authors/{author_id:int}/books")
async def author_with_books(author_id: int, session: AsyncSession) -> ModelSchema:
    # Nested data must be loaded by the query: one extra SELECT … IN for all the books.
    found = await get_or_404(session, Author, author_id, options=[selectinload(Author.books)])
    return AuthorWithBooks.from_model(found)


@app.get("/books")
async def books(session: AsyncSession) -> list[Book]:
    return list(await session.scalars(select(Book).order_by(Book.year)))
