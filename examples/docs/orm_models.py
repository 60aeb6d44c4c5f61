"""The models the database guide uses: authors, their books, and reviews."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner.contrib.orm import IntPK, Model, Timestamps


class Author(IntPK, Timestamps, Model):
    """``IntPK`` adds ``id``; ``Timestamps`` adds ``created_at`` and ``updated_at``."""

    __tablename__ = "authors"

    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    # Never sent to clients unless a schema names it explicitly.
    password_hash: Mapped[str] = mapped_column(String(200), default="", info={"private": True})
    bio: Mapped[str | None] = mapped_column(String(1000))  # `| None`: the column is nullable

    books: Mapped[list[Book]] = relationship(back_populates="author", lazy="raise")


class Book(IntPK, Model):
    """A book belongs to one author; the check constraint gets a conventional name."""

    __tablename__ = "books"
    __table_args__ = (CheckConstraint("pages > 0", name="pages_positive"),)

    title: Mapped[str] = mapped_column(String(200), index=True)
    pages: Mapped[int]
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))

    author: Mapped[Author] = relationship(back_populates="books", lazy="raise")
