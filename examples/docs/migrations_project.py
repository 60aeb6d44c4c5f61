"""The project's app.py: its own table has a foreign key to the guestbook battery's."""

from __future__ import annotations

from migrations_battery import Guestbook
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import Database, DatabaseConfig, IntPK, Model


class Reply(IntPK, Model):
    """A reply to a guestbook entry: the project's migration must run after the battery's."""

    __tablename__ = "replies"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("guestbook_entries.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(2000))


db = Database(config=DatabaseConfig.from_env())
app = App(components=[db, Migrations(), Guestbook()])
