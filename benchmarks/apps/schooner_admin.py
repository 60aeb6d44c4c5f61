"""Schooner's admin on the polls tables, with production settings, served by uvicorn.

The app a Schooner project with an admin would deploy: PostgreSQL through asyncpg, signed
cookie sessions (the default), the accounts battery with its pages (staff sign in on
``/accounts/login``), the default security headers, CSRF, and the admin showing the
choices with a search, a foreign-key column and the most voted first. The account and
admin-log tables come from the batteries' migrations (``schooner db migrate``); the polls
tables are made and filled by ``benchmarks/admin.py``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from _admin_common import CHOICE_TABLE, DSN, POOL_SIZE, QUESTION_TABLE, SECRET_KEY
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner import App, Settings
from schooner.contrib.admin import Admin, ModelAdmin
from schooner.contrib.auth import Auth
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import Database, DatabaseConfig, IntPK, Model
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent


class Question(IntPK, Model):
    """A poll's question."""

    __tablename__ = QUESTION_TABLE
    __app_label__ = "polls"

    question_text: Mapped[str] = mapped_column(String(200))
    pub_date: Mapped[datetime]

    def __str__(self) -> str:
        return self.question_text


class Choice(IntPK, Model):
    """One answer to a question, with its votes."""

    __tablename__ = CHOICE_TABLE
    __app_label__ = "polls"

    question_id: Mapped[int] = mapped_column(ForeignKey(f"{QUESTION_TABLE}.id"))
    question: Mapped[Question] = relationship()
    choice_text: Mapped[str] = mapped_column(String(200))
    votes: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.choice_text


CHOICES = ModelAdmin(
    Choice,
    list_display=["choice_text", "question__question_text", "votes"],
    search_fields=["choice_text"],
    ordering=["-votes"],
)

settings = Settings.load(
    environ={},
    env_file=None,
    toml_file=None,
    environment="production",
    allowed_hosts=["127.0.0.1"],
    secret_key=SECRET_KEY,
)
app = App(
    settings=settings,
    openapi=None,
    components=[
        SecurityHeaders(),
        Database(
            config=DatabaseConfig(
                url=DSN.replace("postgresql://", "postgresql+asyncpg://"),
                pool_size=POOL_SIZE,
                max_overflow=0,
            )
        ),
        # The project has no migrations of its own (the polls tables are made by the
        # benchmark); `schooner db migrate` applies the batteries' (accounts, admin log).
        Migrations(),
        Sessions(),
        Templates(HERE / "templates"),
        Forms(),
        CSRF(),
        # Never used here (nobody registers or resets a password), but production refuses
        # the backends that deliver nothing.
        Mail(
            "smtp",
            host="127.0.0.1",
            base_url="http://127.0.0.1",
            default_from="Bench <noreply@bench.example>",
        ),
        Auth(mfa=False),  # as Django's admin: a password, no second factor
        Admin(site_title="Polls admin", models=[CHOICES]),
    ],
)
