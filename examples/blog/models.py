"""The blog's tables: posts and their comments."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner.contrib.orm import IntPK, Model, Timestamps


class Post(IntPK, Timestamps, Model):
    """An article; deleting it deletes its comments."""

    __tablename__ = "blog_posts"

    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80))

    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="Comment.id", lazy="raise"
    )


class Comment(IntPK, Timestamps, Model):
    """A reader's comment on a post."""

    __tablename__ = "blog_comments"

    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)

    post: Mapped[Post] = relationship(back_populates="comments", lazy="raise")
