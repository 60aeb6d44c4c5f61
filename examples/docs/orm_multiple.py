"""Two databases: the default one and a named one with its own tables and session."""

from __future__ import annotations

from typing import Annotated

from orm_models import Author
from sqlalchemy import MetaData, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App, Inject
from schooner.contrib.orm import (
    NAMING_CONVENTION,
    AsyncSession,
    Database,
    DatabaseConfig,
    IntPK,
    Model,
)


class AnalyticsModel(Model):
    """Tables of the analytics database live in their own metadata."""

    __abstract__ = True
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PageView(IntPK, AnalyticsModel):
    __tablename__ = "page_views"

    path: Mapped[str] = mapped_column(String(500))


db = Database(config=DatabaseConfig.from_env())
analytics = Database(
    config=DatabaseConfig.from_env("ANALYTICS_DATABASE_"),  # ANALYTICS_DATABASE_URL
    name="analytics",
    metadata=AnalyticsModel.metadata,
)
app = App(components=[db, analytics])
app.on_startup(db.create_all)
app.on_startup(analytics.create_all)

AnalyticsSession = Annotated[AsyncSession, Inject(analytics.session)]


@app.get("/authors/count")
async def count_authors(session: AsyncSession, views: AnalyticsSession) -> dict[str, int]:
    """``session`` is the default database's; ``views`` the analytics database's."""
    views.add(PageView(path="/authors/count"))
    authors = await session.scalar(select(func.count()).select_from(Author))
    seen = await views.scalar(select(func.count()).select_from(PageView))
    return {"authors": authors or 0, "views": seen or 0}  # autoflush counted this view
