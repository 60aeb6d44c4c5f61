"""A battery that owns a table and ships the migrations that create it (docs/database.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App
from schooner.contrib.orm import Database, IntPK, Model, Timestamps


class GuestbookEntry(IntPK, Timestamps, Model):
    """The battery's table is on ``Model``, like the project's own tables."""

    __tablename__ = "guestbook_entries"

    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(2000))


class Guestbook:
    """The guestbook battery: ``App(components=[db, Migrations(), Guestbook()])``."""

    name = "guestbook"

    def setup(self, app: App) -> None:
        """Its table lives in the app's default database."""
        app.require(Database, by=self)

    def migration_folders(self) -> Mapping[str, Path]:
        """Branch label -> the folder of the battery's revision files."""
        return {"guestbook": Path(__file__).parent / "guestbook_migrations"}

    # --8<-- [start:after_migrate]
    async def after_migrate(self, database: Database) -> None:
        """After every `schooner db migrate`: a guestbook opens with a welcome entry."""
        if database.alias != "default":
            return  # the guestbook's table is in the default database
        async with database.transaction() as session:
            if await session.scalar(select(GuestbookEntry.id).limit(1)) is None:
                session.add(GuestbookEntry(author="The guestbook", text="Welcome! Sign below."))

    # --8<-- [end:after_migrate]
