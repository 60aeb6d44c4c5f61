"""The polls models the admin's tests edit: questions with their choices, and a model with
a column of every kind the edit form handles."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, Select, String, Table, Text
from sqlalchemy import Column as TableColumn
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner.contrib.admin import Action, Column, Fieldset, Filter, Inline, ModelAdmin
from schooner.contrib.orm import AsyncSession, IntPK, Model, Versioned

if TYPE_CHECKING:
    from schooner.app import App


class Question(IntPK, Model):
    __tablename__ = "polls_question"
    __app_label__ = "polls"

    question_text: Mapped[str] = mapped_column(String(200), unique=True)
    pub_date: Mapped[datetime]
    details: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.question_text


class Choice(IntPK, Model):
    __tablename__ = "polls_choice"
    __app_label__ = "polls"

    question_id: Mapped[int] = mapped_column(ForeignKey("polls_question.id", ondelete="CASCADE"))
    question: Mapped[Question] = relationship(back_populates="choices")
    choice_text: Mapped[str] = mapped_column(String(200))
    votes: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.choice_text


class Status(enum.Enum):
    DRAFT = "draft"
    LIVE = "live"


class Campaign(IntPK, Model):
    """Every kind of column the edit form derives a field for (no ``__str__``: its label
    is "campaign <id>")."""

    __tablename__ = "polls_campaign"
    __app_label__ = "polls"

    name: Mapped[str] = mapped_column(String(40))
    status: Mapped[Status] = mapped_column(
        Enum(Status, name="polls_campaign_status"), default=Status.DRAFT
    )
    budget: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    ratio: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=False)
    featured: Mapped[bool | None]
    starts: Mapped[date | None]
    code: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(
        Enum("mail", "web", name="polls_campaign_channel"), default="web"
    )


class CampaignNote(IntPK, Model):
    """Refers to a campaign without any cascade: a campaign with notes cannot be deleted."""

    __tablename__ = "polls_note"
    __app_label__ = "polls"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("polls_campaign.id"))
    text: Mapped[str] = mapped_column(String(100))


class QuestionRemark(IntPK, Model):
    """Refers to a question, and is kept (unlinked) when the question goes."""

    __tablename__ = "polls_remark"
    __app_label__ = "polls"

    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("polls_question.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(String(100))


survey_labels = Table(
    "polls_survey_label",
    Model.metadata,
    TableColumn("survey_id", ForeignKey("polls_survey.id", ondelete="CASCADE"), primary_key=True),
    TableColumn("label_id", ForeignKey("polls_label.id", ondelete="CASCADE"), primary_key=True),
)


class Label(IntPK, Model):
    """What surveys are filed under (many-to-many)."""

    __tablename__ = "polls_label"
    __app_label__ = "polls"

    name: Mapped[str] = mapped_column(String(40), unique=True)

    def __str__(self) -> str:
        return self.name


class Survey(IntPK, Versioned, Model):
    """A versioned model (the change page checks the version it was made from) with a
    many-to-many relationship."""

    __tablename__ = "polls_survey"
    __app_label__ = "polls"

    title: Mapped[str] = mapped_column(String(100))
    audience: Mapped[str | None] = mapped_column(String(100))
    labels: Mapped[list[Label]] = relationship(secondary=survey_labels)

    def __str__(self) -> str:
        return self.title


def was_published_recently(question: Question) -> bool:
    """A computed column."""
    return question.pub_date.year >= 2025


def with_details(statement: Select[Any], value: str) -> Select[Any]:
    """A custom filter: questions with details, or without."""
    if value == "yes":
        return statement.where(Question.details.is_not(None), Question.details != "")
    return statement.where((Question.details.is_(None)) | (Question.details == ""))


DETAILS = Filter("Details", "details", [("yes", "With details"), ("no", "Without")], with_details)


async def same_text(db: AsyncSession, questions: list[Question]) -> str | None:
    """An action the database refuses for two questions or more (the text is unique)."""
    for question in questions:
        question.question_text = "Same"
    return None


async def reset_votes(db: AsyncSession, choices: list[Choice]) -> str | None:
    """An action that changes rows, with a message of its own."""
    for choice in choices:
        choice.votes = 0
    return f"Votes reset on {len(choices)} choices."


async def drop_unvoted(db: AsyncSession, choices: list[Choice]) -> str | None:
    """An action that deletes rows (those without votes)."""
    for choice in choices:
        if not choice.votes:
            await db.delete(choice)
    return None


QUESTIONS = ModelAdmin(
    Question,
    list_display=[
        "question_text",
        "pub_date",
        Column("Recent?", was_published_recently, sort_by="pub_date"),
    ],
    search_fields=["question_text", "details"],
    ordering=["-pub_date"],
    list_per_page=5,
    inlines=[Inline(Choice, fields=["choice_text", "votes"], extra=3)],
    list_filter=["pub_date", DETAILS],
    actions=[Action("Give them the same text", same_text)],
)
CHOICES = ModelAdmin(
    Choice,
    list_display=["choice_text", "question__question_text", "votes"],
    search_fields=["choice_text", "question__question_text"],
    ordering=["question__question_text", "choice_text"],
    list_filter=["question"],
    actions=[
        Action("Reset votes", reset_votes),
        Action("Drop unvoted", drop_unvoted, permission="delete", name="drop"),
    ],
)
CAMPAIGNS = ModelAdmin(
    Campaign,
    list_display=["name", "status", "budget", "featured", "starts", "settings"],
    fieldsets=[
        Fieldset(None, ["name", "status", "channel", "budget", "ratio"]),
        Fieldset("Flags", ["active", "featured", "starts", "code"], description="When it runs."),
        Fieldset("Other", ["settings", Column("Shout", lambda c: c.name.upper())]),
    ],
    readonly_fields=["code"],
    list_filter=["status", "channel", "active", "featured", "starts"],
)
SURVEYS = ModelAdmin(Survey, list_display=["title", "version"])


class Polls:
    """A component that contributes its models to the admin (the ``AdminModels`` protocol)."""

    name = "polls"

    def setup(self, app: App) -> None:
        """Nothing to set up: the admin finds the models when the app is built."""

    def admin_models(self) -> Sequence[ModelAdmin[Any]]:
        """The choices, campaigns and notes; the questions are given to Admin() directly."""
        return [CHOICES, CAMPAIGNS, ModelAdmin(CampaignNote)]
