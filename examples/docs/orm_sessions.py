"""One session per request: committed before the response, rolled back on any error."""

from __future__ import annotations

import msgspec
from orm_models import Author, Book
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from schooner import App, HTTPException
from schooner.contrib.orm import (
    AsyncSession,
    Database,
    DatabaseConfig,
    Session,
    apply_update,
    create,
    get_or_404,
    schema_for,
)

db = Database(config=DatabaseConfig.from_env())  # DATABASE_URL, else SQLite app.db
app = App(components=[db])
app.on_startup(db.create_all)  # prototypes only; real projects use migrations

AuthorIn = schema_for(Author, include={"name", "email", "bio"}, mode="create")
AuthorPatch = schema_for(Author, include={"name", "bio"}, mode="update")


@app.post("/authors", status_code=201)
async def add_author(body: AuthorIn, session: AsyncSession) -> Author:
    # create() adds and flushes, so the id and created_at are known when we answer.
    return await create(session, Author, body)


@app.patch("/authors/{author_id:int}")
async def edit_author(author_id: int, body: AuthorPatch, session: AsyncSession) -> Author:
    author = await get_or_404(session, Author, author_id)
    apply_update(author, body)  # only the fields the client sent
    await session.flush()  # so updated_at is fresh in the answer
    return author


class NewBook(msgspec.Struct):
    title: str
    pages: int
    year: int


@app.post("/authors/{author_id:int}/books", status_code=201)
async def add_books(author_id: int, books: list[NewBook], session: AsyncSession) -> dict[str, int]:
    author = await get_or_404(session, Author, author_id)
    for book in books:
        session.add(Book(author_id=author.id, title=book.title, pages=book.pages, year=book.year))
        await session.flush()
        if book.pages > 2000:
            # Everything this request wrote — earlier books too — is rolled back.
            raise HTTPException(422, f"{book.title!r} is too long to be a book.")
    return {"added": len(books)}


@app.post("/authors/{author_id:int}/books/try")
async def add_books_one_by_one(
    author_id: int, books: list[NewBook], session: AsyncSession
) -> dict[str, list[str]]:
    """Keep the good books, skip the bad ones: one savepoint per book."""
    skipped: list[str] = []
    for book in books:
        try:
            async with session.begin_nested():  # SAVEPOINT … RELEASE, or ROLLBACK TO on error
                session.add(Book(author_id=author_id, **msgspec.structs.asdict(book)))
        except IntegrityError:  # here: the CHECK (pages > 0) constraint
            skipped.append(book.title)
    return {"skipped": skipped}


@app.get("/stats")
def stats(session: Session) -> dict[str, int]:
    """A sync handler gets a sync ``Session``: the same transaction rules, in a worker thread."""
    authors = session.scalar(select(func.count()).select_from(Author)) or 0
    books = session.scalar(select(func.count()).select_from(Book)) or 0
    return {"authors": authors, "books": books}
