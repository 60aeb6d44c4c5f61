"""The to-do lists and their items: a one-to-many relationship with timestamps."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner.contrib.orm import IntPK, Model, Timestamps


class TodoList(IntPK, Timestamps, Model):
    """A named list; deleting it deletes its items."""

    __tablename__ = "todo_lists"

    title: Mapped[str] = mapped_column(String(200))

    items: Mapped[list[Item]] = relationship(
        back_populates="todo_list",
        cascade="all, delete-orphan",
        order_by="Item.id",
        lazy="raise",  # load them in the query (selectinload), never by accident
    )


class Item(IntPK, Timestamps, Model):
    """One thing to do, in one list."""

    __tablename__ = "todo_items"

    list_id: Mapped[int] = mapped_column(
        ForeignKey("todo_lists.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))
    done: Mapped[bool] = mapped_column(default=False)

    todo_list: Mapped[TodoList] = relationship(back_populates="items", lazy="raise")
