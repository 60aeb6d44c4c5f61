"""Declaring the admin: ModelAdmin, Column and Fieldset values, the config, the component's
requirements, and the names checked when the app is built."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from schooner import App, Settings
from schooner.contrib.admin import Admin, AdminConfig, Column, Fieldset, ModelAdmin
from schooner.contrib.auth import Auth
from schooner.contrib.auth.testing import fast_hasher
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database, IntPK, Model
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.exceptions import ImproperlyConfigured

from .polls import Choice, Question


class Elsewhere(DeclarativeBase):
    """Models of another database."""

    metadata = MetaData()


class Remote(IntPK, Elsewhere):
    __tablename__ = "admin_test_remote"

    name: Mapped[str] = mapped_column(String(20))


class Pair(Model):
    """A model with a two-column primary key."""

    __tablename__ = "admin_test_pair"
    __app_label__ = "polls"

    left: Mapped[int] = mapped_column(primary_key=True)
    right: Mapped[int] = mapped_column(primary_key=True)


def batteries(tmp_path: Path, **auth: Any) -> list[Any]:
    """The batteries the admin builds on, in order."""
    return [
        Database(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"),
        Sessions(),
        Templates(tmp_path),
        Forms(),
        CSRF(),
        Mail("memory", base_url="https://polls.example", default_from="a@polls.example"),
        Auth(hasher=fast_hasher(), **auth),
    ]


def build(tmp_path: Path, *models: ModelAdmin[Any], extra: Sequence[Any] = ()) -> Admin:
    """An app with the admin on ``models``, built (which checks them)."""
    admin = Admin(models=list(models))
    app = App(
        settings=Settings(secret_key="k" * 40), components=[*batteries(tmp_path), *extra, admin]
    )
    app.build()
    return admin


# -- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"list_display": "question_text"}, "list_display is a list of field names"),
        ({"list_display": ["ok", 3]}, "3 is not a field name or a Column"),
        ({"search_fields": [Column("X", str)]}, "search_fields takes field names, not Columns"),
        ({"list_per_page": 0}, "list_per_page must be a whole number above 0"),
        ({"list_per_page": True}, "list_per_page must be a whole number above 0"),
        ({"list_per_page": 5000}, "list_per_page is at most 1000"),
        ({"fields": ["a"], "fieldsets": [Fieldset(None, ["a"])]}, "give fields or fieldsets"),
        ({"fieldsets": [("Title", ["a"])]}, "fieldsets is a list of Fieldset"),
        ({"verbose_name": ""}, "verbose_name is a non-empty string"),
    ],
)
def test_model_admin_checks_its_options(options: dict[str, Any], message: str) -> None:
    """A wrong option type or value is refused where the ModelAdmin is written."""
    with pytest.raises(ImproperlyConfigured, match=message):
        ModelAdmin(Question, **options)


def test_model_admin_takes_a_class_and_normalises_lists() -> None:
    """The model must be a class; list options become tuples, so the value is frozen."""
    with pytest.raises(ImproperlyConfigured, match="the first argument is a model class"):
        ModelAdmin("Question")  # type: ignore[arg-type]
    options = ModelAdmin(Question, list_display=["question_text"], ordering=["-pub_date"])
    assert options.list_display == ("question_text",)
    assert options.ordering == ("-pub_date",)
    assert hash(options) == hash(
        ModelAdmin(Question, list_display=("question_text",), ordering=("-pub_date",))
    )


def test_columns_and_fieldsets_check_their_parts() -> None:
    """A column needs a title and a function; a fieldset needs fields."""
    with pytest.raises(ImproperlyConfigured, match="the title is the heading"):
        Column("", str)
    with pytest.raises(ImproperlyConfigured, match="the value is a function of the row"):
        Column("Votes", 3)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="has no fields"):
        Fieldset("Empty", [])
    assert Fieldset("Main", ["a", "b"]).fields == ("a", "b")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"prefix": "admin"}, "must be a path such as '/admin'"),
        ({"prefix": "/admin/"}, "must be a path such as '/admin'"),
        ({"site_title": " "}, "site_title must not be empty"),
        ({"site_url": "//evil.example"}, "site_url"),
        ({"list_per_page": 0}, "list_per_page must be from 1 to 1000"),
        ({"recent_actions": -1}, "recent_actions must be from 0 to 100"),
    ],
)
def test_the_config_says_how_to_fix_a_value(values: dict[str, Any], message: str) -> None:
    """Each invalid option is an ImproperlyConfigured naming it."""
    with pytest.raises(ImproperlyConfigured, match=message):
        AdminConfig(**values)


def test_the_config_reads_the_environment() -> None:
    """``AdminConfig.from_env()`` reads ``ADMIN_*`` variables; keywords win over a config."""
    config = AdminConfig.from_env(environ={"ADMIN_PREFIX": "/staff", "ADMIN_SITE_URL": ""})
    assert (config.prefix, config.site_url) == ("/staff", None)
    assert Admin(config=config, site_title="Back office").config.site_title == "Back office"
    with pytest.raises(ImproperlyConfigured, match="has no option colour"):
        Admin(colour="blue")  # type: ignore[call-arg]
    with pytest.raises(ImproperlyConfigured, match=r"write ModelAdmin\(<class"):
        Admin(models=[Question])  # type: ignore[list-item]


# -- the component ---------------------------------------------------------------------------


def test_the_admin_needs_its_batteries_listed_first(tmp_path: Path) -> None:
    """Without Auth (or listed after it), the app does not start, and the message says what
    to add."""
    components = [c for c in batteries(tmp_path) if not isinstance(c, Auth)]
    with pytest.raises(ImproperlyConfigured, match=r"Admin\(\) needs Auth\(\)"):
        App(settings=Settings(secret_key="k" * 40), components=[*components, Admin()])
    with pytest.raises(ImproperlyConfigured, match="Auth\\(pages=True\\)"):
        App(
            settings=Settings(secret_key="k" * 40),
            components=[*batteries(tmp_path, pages=False, api=False), Admin()],
        )


def test_components_contribute_models_found_at_build_time(tmp_path: Path) -> None:
    """Admin(models=...) and every AdminModels component, in the order of the components."""

    class Polls:
        name = "polls"

        def setup(self, app: App) -> None:
            """Nothing."""

        def admin_models(self) -> Sequence[ModelAdmin[Any]]:
            return [ModelAdmin(Choice)]

    admin = build(tmp_path, ModelAdmin(Question), extra=[Polls()])
    assert sorted(admin.registry.models) == [("polls", "choice"), ("polls", "question")]
    assert admin.registry.owners == {Choice: "polls", Question: "admin"}
    with pytest.raises(ImproperlyConfigured, match="registered in the admin twice"):
        build(tmp_path, ModelAdmin(Choice), extra=[Polls()])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"list_display": ["question_txt"]},
            r"'question_txt', which is not a column of Question \(its columns: id, "
            "question_text, pub_date, details\\)",
        ),
        ({"list_display": ["choices__votes"]}, "'choices', which is not a many-to-one"),
        ({"search_fields": ["pub_date"]}, "'pub_date', which does not hold text"),
        ({"ordering": ["-nope"]}, "'nope', which is not a column"),
        ({"fields": ["question_text", "nope"]}, "fields names 'nope'"),
        ({"fields": ["question_text", "question_text"]}, "listed twice"),
        ({"readonly_fields": ["nope"]}, "readonly_fields names 'nope'"),
        ({"exclude": ["nope"]}, "exclude names 'nope'"),
        ({"list_display": [Column("X", str, sort_by="nope")]}, "'nope', which is not a column"),
    ],
)
def test_unknown_names_stop_the_build(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    """A name that is not a field of the model fails when the app is built, listing the
    valid ones."""
    with pytest.raises(ImproperlyConfigured, match=message):
        build(tmp_path, ModelAdmin(Question, **options))


def test_models_the_admin_cannot_edit_stop_the_build(tmp_path: Path) -> None:
    """A class that is not mapped, a composite primary key, or a table of another database."""
    with pytest.raises(ImproperlyConfigured, match="is not a mapped model class"):
        build(tmp_path, ModelAdmin(Path))
    with pytest.raises(ImproperlyConfigured, match="one-column primary key"):
        build(tmp_path, ModelAdmin(Pair))
    with pytest.raises(ImproperlyConfigured, match="not in the default database's metadata"):
        build(tmp_path, ModelAdmin(Remote))


def test_resolved_options(tmp_path: Path) -> None:
    """Names, permissions and template names of a resolved model; a relationship in
    ``fields`` is its foreign key; ``exclude`` and ``readonly_fields`` shape the form."""
    admin = build(
        tmp_path,
        ModelAdmin(Question, exclude=["details"], readonly_fields=["pub_date"]),
        ModelAdmin(Choice, fields=["question", "choice_text"], verbose_name="answer"),
    )
    question = admin.registry.get("polls", "question")
    assert question.permission("change") == "polls.change_question"
    assert question.templates("change_list") == [
        "admin/polls/question/change_list.html",
        "admin/polls/change_list.html",
        "admin/change_list.html",
    ]
    assert [f.name for f in question.fields] == ["question_text"]
    assert question.sections[0].items == ("question_text", "pub_date")
    choice = admin.registry.get("polls", "choice")
    assert (choice.verbose_name, choice.verbose_name_plural, choice.title) == (
        "answer",
        "answers",
        "Answer",
    )
    assert [(f.name, f.label, f.target) for f in choice.fields] == [
        ("question_id", "Question", Question),
        ("choice_text", "Choice text", None),
    ]
