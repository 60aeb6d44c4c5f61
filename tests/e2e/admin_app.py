"""The polls admin served for the browser tests (``schooner serve`` runs it).

Configured as a deployment is, from the environment: ``DATABASE_URL`` (a temporary SQLite
file whose tables are created at startup), ``SCHOONER_SECRET_KEY``. The security headers
keep their defaults: the strict Content-Security-Policy the admin must work under.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner import App, Settings
from schooner.contrib.admin import Action, Admin, Inline, ModelAdmin
from schooner.contrib.auth import Auth
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, IntPK, Model
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates


class Question(IntPK, Model):
    """A poll's question; its choices go with it."""

    __tablename__ = "e2e_polls_questions"
    __app_label__ = "polls"

    question_text: Mapped[str] = mapped_column(String(200), unique=True)
    pub_date: Mapped[datetime]
    notes: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.question_text


class Choice(IntPK, Model):
    """One answer to a question."""

    __tablename__ = "e2e_polls_choices"
    __app_label__ = "polls"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("e2e_polls_questions.id", ondelete="CASCADE")
    )
    question: Mapped[Question] = relationship(back_populates="choices")
    choice_text: Mapped[str] = mapped_column(String(200))
    votes: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.choice_text


async def reset_votes(db: AsyncSession, choices: list[Choice]) -> str | None:
    """Set the chosen choices' votes to zero."""
    for choice in choices:
        choice.votes = 0
    return None


questions = ModelAdmin(
    Question,
    list_display=["question_text", "pub_date"],
    search_fields=["question_text"],
    ordering=["-pub_date"],
    list_filter=["pub_date"],
    inlines=[Inline(Choice, fields=["choice_text", "votes"], extra=3)],
)
choices = ModelAdmin(
    Choice,
    list_display=["choice_text", "question__question_text", "votes"],
    search_fields=["choice_text"],
    list_filter=["question"],
    actions=[Action("Reset votes", reset_votes, permission="change")],
)
database = Database(config=DatabaseConfig.from_env())


@asynccontextmanager
async def tables(app: App) -> AsyncIterator[None]:
    """Create the tables (a test database; a project runs its migrations instead)."""
    await database.create_all()
    yield


app = App(
    settings=Settings.load(),
    components=[
        SecurityHeaders(),
        database,
        Sessions(),
        Templates(Path(__file__).parent / "accounts_templates"),  # the site's own first
        Forms(),
        CSRF(),
        Mail("console", default_from="Polls <noreply@polls.example>", base_url="http://localhost"),
        Auth(),
        Admin(site_title="Polls administration", models=[questions, choices]),
    ],
    lifespan=[tables],
)
