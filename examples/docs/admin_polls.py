"""The admin on the polls models: questions and their choices, for staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Select, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner import App, Settings
from schooner.contrib.admin import Action, Admin, Column, Fieldset, Filter, Inline, ModelAdmin
from schooner.contrib.auth import Auth
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, IntPK, Model
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent


# --8<-- [start:models]
class Question(IntPK, Model):
    __tablename__ = "polls_questions"
    __app_label__ = "polls"  # permissions polls.view_question, polls.change_question …

    question_text: Mapped[str] = mapped_column(String(200), unique=True)
    pub_date: Mapped[datetime]
    notes: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:  # how the admin names a question
        return self.question_text


class Choice(IntPK, Model):
    __tablename__ = "polls_choices"
    __app_label__ = "polls"

    question_id: Mapped[int] = mapped_column(ForeignKey("polls_questions.id", ondelete="CASCADE"))
    question: Mapped[Question] = relationship(back_populates="choices")
    choice_text: Mapped[str] = mapped_column(String(200))
    votes: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.choice_text


# --8<-- [end:models]


# --8<-- [start:admin]
def published_recently(question: Question) -> bool:
    """A computed column: published in the last day."""
    return question.pub_date >= datetime.now(UTC) - timedelta(days=1)


# --8<-- [start:filter]
def by_notes(statement: Select[Any], value: str) -> Select[Any]:
    """Narrow the list to questions with notes ("with") or without ("without")."""
    has_notes = (Question.notes.is_not(None)) & (Question.notes != "")
    return statement.where(has_notes if value == "with" else ~has_notes)


with_notes = Filter("Notes", "notes", [("with", "With notes"), ("without", "Without")], by_notes)
# --8<-- [end:filter]


# --8<-- [start:action]
async def reset_votes(db: AsyncSession, choices: list[Choice]) -> str | None:
    """A bulk action: the admin logs each choice whose votes it changes."""
    for choice in choices:
        choice.votes = 0
    return f"Votes reset on {len(choices)} choices."  # None: "Reset votes: 3 choices."


reset = Action("Reset votes", reset_votes, permission="change")
# --8<-- [end:action]

questions = ModelAdmin(
    Question,
    list_display=[
        "question_text",
        "pub_date",
        Column("Published recently?", published_recently, sort_by="pub_date"),
    ],
    search_fields=["question_text"],
    ordering=["-pub_date"],
    list_filter=["pub_date", with_notes],  # a date range, and a filter of our own
    fieldsets=[
        Fieldset(None, ["question_text"]),
        Fieldset("Date information", ["pub_date"], description="In UTC."),
        Fieldset("Notes", ["notes"]),
    ],
    inlines=[Inline(Choice, fields=["choice_text", "votes"], extra=3)],  # on its page
)
# --8<-- [end:admin]


# --8<-- [start:component]
class Polls:
    """The polls section as a component: it puts its choices in the admin."""

    name = "polls"

    def setup(self, app: App) -> None:
        """The section's own routes would be added here."""

    def admin_models(self) -> Sequence[ModelAdmin[Any]]:
        """Found by the admin when the app is built (the AdminModels protocol)."""
        return [
            ModelAdmin(
                Choice,
                list_display=["choice_text", "question__question_text", "votes"],
                search_fields=["choice_text", "question__question_text"],
                list_filter=["question"],  # a select of the questions that have choices
                actions=[reset],  # after the built-in "Delete selected choices"
                list_per_page=50,
            )
        ]


# --8<-- [end:component]


# --8<-- [start:app]
app = App(
    settings=Settings.load(),  # SCHOONER_SECRET_KEY signs the sessions
    components=[
        SecurityHeaders(),  # the default Content-Security-Policy: the admin needs no relaxing
        Database(config=DatabaseConfig.from_env()),
        Migrations(),  # `schooner db migrate`: the account tables, then admin_log
        Sessions(),
        Templates(HERE / "admin_templates"),  # yours first, then the admin's
        Forms(),
        CSRF(),
        Mail("console", default_from="Polls <noreply@polls.example>", base_url="http://localhost"),
        Auth(),
        Polls(),
        Admin(site_title="Polls administration", models=[questions]),
    ],
)
# --8<-- [end:app]
