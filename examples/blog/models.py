"""The blog's tables: posts, written by signed-in users, and their comments."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner.contrib.auth import User
from schooner.contrib.orm import IntPK, Model, Timestamps


class Post(IntPK, Timestamps, Model):
    """An article by one account; deleting either deletes the post's comments too."""

    __tablename__ = "blog_posts"

    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # Every table that refers to an account refers to auth_user.id; closing the account
    # deletes its posts.
    author_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))

    # The related classes are named by object, not by string: another "Comment" or "User"
    # model elsewhere in the app (a battery's, a test's) would make a name ambiguous.
    author: Mapped[User] = relationship(User, lazy="raise")
    comments: Mapped[list[Comment]] = relationship(
        lambda: Comment,
        back_populates="post",
        cascade="all, delete-orphan",
        order_by=lambda: Comment.id,
        lazy="raise",
    )

    @property
    def byline(self) -> str:
        """How the author is shown: their username, else their e-mail address (load
        ``Post.author`` with the post)."""
        return self.author.username or self.author.email


class Comment(IntPK, Timestamps, Model):
    """A reader's comment on a post (readers need no account to comment)."""

    __tablename__ = "blog_comments"

    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)

    post: Mapped[Post] = relationship(Post, back_populates="comments", lazy="raise")
