"""Permissions: each model's four, your own, object rules, and granting them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import msgspec
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App, Router
from schooner.contrib.auth import (
    AbstractUser,
    Auth,
    Identity,
    PermissionDenied,
    add_to_group,
    grant,
    login_required,
    permission_required,
)
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, IntPK, Model, get_or_404
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent


# --8<-- [start:model]
class Article(IntPK, Model):
    """news.view_article, add_, change_, delete_, and news.publish_article."""

    __tablename__ = "news_articles"
    __app_label__ = "news"  # else the label comes from the module (news/models.py: "news")
    __permissions__: ClassVar = [("publish_article", "Can publish articles")]

    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    published: Mapped[bool] = mapped_column(default=False)


# --8<-- [end:model]


# --8<-- [start:rules]
def authors_edit_their_articles(user: AbstractUser, permission: str, obj: Any) -> bool:
    """An object rule: the author may change their own article (and nobody else's)."""
    return permission == "news.change_article" and getattr(obj, "author_id", None) == user.id


def create_app() -> App:
    auth = Auth(
        permissions=[("reports", "export", "Can export reports")],  # not tied to a model
        object_rules=[authors_edit_their_articles],
    )
    app = App(
        components=[
            Database(config=DatabaseConfig.from_env()),
            Sessions(),
            Templates(HERE / "accounts_templates"),
            Forms(),
            CSRF(),
            Mail("console", default_from="News <noreply@news.example>"),
            auth,
        ]
    )
    app.include(news)
    return app


# --8<-- [end:rules]

# --8<-- [start:routes]
news = Router()


@news.post("/articles/{article_id:int}/publish", meta=[permission_required("news.publish_article")])
async def publish(article_id: int, db: AsyncSession) -> dict[str, bool]:
    """Editors only: the guard checks the permission before the handler runs."""
    article = await get_or_404(db, Article, article_id)
    article.published = True
    return {"published": True}


class Rename(msgspec.Struct):
    title: str


@news.put("/articles/{article_id:int}", meta=[login_required])
async def rename(
    article_id: int, body: Rename, auth: Auth, identity: Identity, db: AsyncSession
) -> dict[str, str]:
    """Editors with news.change_article, or the article's author (the object rule)."""
    article = await get_or_404(db, Article, article_id)
    if not await auth.has_perm(identity, "news.change_article", article):
        raise PermissionDenied("Only editors and the author may change this article.")
    article.title = body.title
    return {"title": article.title}


# --8<-- [end:routes]


# --8<-- [start:grant]
async def make_editor(db: AsyncSession, user: AbstractUser) -> None:
    """What `schooner users grant` does, from code (a data migration, a test)."""
    editors = await add_to_group(db, user, "editors")  # created the first time
    await grant(db, editors, "news.publish_article", "news.change_article")
    await grant(db, user, "reports.export")  # to the user directly


# --8<-- [end:grant]
