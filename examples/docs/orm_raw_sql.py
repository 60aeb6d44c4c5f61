"""When the ORM is not enough: a CTE, a window function, and raw SQL mixed into a query."""

from __future__ import annotations

from typing import Any

from orm_models import Author, Book
from sqlalchemy import func, select, text

from schooner import App
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig

db = Database(config=DatabaseConfig.from_env())
app = App(components=[db])
app.on_startup(db.create_all)


@app.get("/prolific")
async def prolific(session: AsyncSession, at_least: int = 2) -> list[dict[str, Any]]:
    """A CTE: per-author statistics computed once, then joined and filtered."""
    stats = (
        select(
            Book.author_id,
            func.count().label("books"),
            func.sum(Book.pages).label("pages"),
        )
        .group_by(Book.author_id)
        .cte("author_stats")
    )
    statement = (
        select(Author.name, stats.c.books, stats.c.pages)
        .join(stats, stats.c.author_id == Author.id)
        .where(stats.c.books >= at_least)
        .order_by(stats.c.books.desc(), Author.name)
    )
    rows = await session.execute(statement)
    return [{"author": name, "books": books, "pages": int(pages)} for name, books, pages in rows]


@app.get("/longest")
async def longest(session: AsyncSession) -> list[dict[str, Any]]:
    """A window function: rank each author's books by length, keep the longest of each."""
    ranked = (
        select(
            Book.title,
            Book.pages,
            Author.name.label("author"),
            func.rank().over(partition_by=Book.author_id, order_by=Book.pages.desc()).label("rank"),
        )
        .join(Book.author)
        .subquery()
    )
    statement = select(ranked.c.author, ranked.c.title, ranked.c.pages).where(ranked.c.rank == 1)
    rows = await session.execute(statement.order_by(ranked.c.author))
    return [dict(row._mapping) for row in rows]


@app.get("/search")
async def search(session: AsyncSession, q: str) -> list[str]:
    """Raw SQL inside an ORM query: a text() condition with a bound parameter."""
    statement = (
        select(Book)
        .where(text("lower(books.title) LIKE :pattern"))  # never format user input into SQL
        .params(pattern=f"%{q.lower()}%")
        .order_by(Book.title)
    )
    return [book.title for book in await session.scalars(statement)]


@app.get("/decades")
async def decades(session: AsyncSession) -> dict[str, int]:
    """A whole statement in SQL, results as plain rows."""
    rows = await session.execute(
        text("SELECT year - year % 10 AS decade, count(*) FROM books GROUP BY 1 ORDER BY 1")
    )
    return {f"{int(decade)}s": count for decade, count in rows}


@app.get("/authors/by-sql")
async def authors_by_sql(session: AsyncSession) -> list[Author]:
    """Raw SQL that returns model instances: from_statement maps the columns by name."""
    statement = select(Author).from_statement(
        text("SELECT * FROM authors WHERE bio IS NOT NULL ORDER BY name")
    )
    return list(await session.scalars(statement))
