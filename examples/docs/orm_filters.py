"""Filters and ordering declared once as a typed class of query parameters."""

from __future__ import annotations

from typing import Annotated

from orm_models import Book
from sqlalchemy import select

from schooner import App, Query
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, FilterSet

db = Database(config=DatabaseConfig.from_env())
app = App(components=[db])
app.on_startup(db.create_all)


class BookFilters(
    FilterSet, model=Book, ordering=("title", "year", "pages"), default_order=("id",)
):
    """?title__icontains=dune&year__ge=1970&order_by=-year,title"""

    title__icontains: str | None = None
    year__ge: Annotated[int | None, Query(ge=0, description="Published in or after.")] = None
    year__lt: int | None = None
    pages__le: int | None = None
    author_id__in: list[int] | None = None


@app.get("/books/search")
async def search(filters: BookFilters, session: AsyncSession) -> list[str]:
    """Titles of the books that match, in the requested order."""
    return list(await session.scalars(filters.apply(select(Book.title))))
