"""The notes table: every note belongs to one account."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.orm import IntPK, Model, Timestamps


class Note(IntPK, Timestamps, Model):
    """A note, private to its owner; closing the account deletes it."""

    __tablename__ = "notes_note"

    # Every table that refers to an account refers to auth_user.id.
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
