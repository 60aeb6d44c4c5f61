"""Inlines: a question's choices edited on the question's page, saved with it in one
transaction, audited row by row, under the choice model's own permissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from schooner import App
from schooner.contrib.admin import Inline, LogEntry, ModelAdmin
from schooner.contrib.orm import Database
from schooner.contrib.templates.testing import record_templates
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import sign_in
from .polls import Campaign, CampaignNote, Choice, Question, QuestionRemark
from .test_options import build

HTML = {"Accept": "text/html"}
WHEN = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
P = "polls-choice"


async def stored_question(app: App, *choices: str) -> Question:
    """A question with ``choices``, stored directly."""
    database = app.component(Database)
    assert database is not None
    question = Question(question_text="Favourite colour?", pub_date=WHEN)
    question.choices = [Choice(choice_text=text) for text in choices]
    async with database.transaction() as db:
        db.add(question)
    return question


async def choices_of(app: App) -> list[tuple[str, str, int]]:
    """Every choice as (question text, choice text, votes), in key order."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        query = select(Question.question_text, Choice.choice_text, Choice.votes).join(
            Choice.question
        )
        return [tuple(row) for row in await db.execute(query.order_by(Choice.id))]  # type: ignore[misc]


async def log(app: App) -> list[tuple[str, str, str, list[dict[str, Any]]]]:
    """The audit log as (model, action, object, changes), oldest first."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        entries = await db.scalars(select(LogEntry).order_by(LogEntry.id))
        return [(e.model, e.action, e.object_repr, e.changes) for e in entries]


def question(text: str = "Favourite colour?", **rows: str) -> dict[str, str]:
    """The question's fields and the inline inputs ``rows`` (``"0-choice_text": "Red"``)."""
    return {
        "question_text": text,
        "pub_date": "2025-03-01T10:30",
        **{f"{P}-{key}": value for key, value in rows.items()},
    }


# -- the acceptance scenario, on every backend ------------------------------------------------


async def test_a_question_and_three_choices_are_created_in_one_post(
    any_client: AsyncTestClient,
) -> None:
    """A staff user adds a question with three choices in one post: all are stored, the
    empty fourth row is ignored, and the log has the question's entry and one per choice."""
    app: App = any_client.app  # type: ignore[assignment]
    await sign_in(any_client)
    data = question(
        **{"TOTAL": "4", "0-choice_text": "Red", "0-votes": "0", "1-choice_text": "Green"},
        **{"1-votes": "0"},
        **{"2-choice_text": "Blue", "2-votes": "7", "3-choice_text": "", "3-votes": "0"},
    )
    response = await any_client.post("/admin/polls/question/add", data=data)
    assert response.status_code == 303, response.text
    assert await choices_of(app) == [
        ("Favourite colour?", "Red", 0),
        ("Favourite colour?", "Green", 0),
        ("Favourite colour?", "Blue", 7),
    ]
    entries = await log(app)
    assert [(model, action, name) for model, action, name, _ in entries] == [
        ("question", "add", "Favourite colour?"),
        ("choice", "add", "Red"),
        ("choice", "add", "Green"),
        ("choice", "add", "Blue"),
    ]
    assert {"field": "votes", "old": None, "new": 7} in entries[3][3]


async def test_a_refused_parent_saves_no_row(any_client: AsyncTestClient) -> None:
    """When the database refuses the question (its text is taken), none of its choices is
    stored either, and the rows come back as they were typed."""
    app: App = any_client.app  # type: ignore[assignment]
    await stored_question(app)
    await sign_in(any_client)
    data = question(**{"0-choice_text": "Red", "0-votes": "0", "1-choice_text": "Green"})
    data[f"{P}-1-votes"] = "0"
    response = await any_client.post("/admin/polls/question/add", data=data)
    assert response.status_code == 409
    assert 'value="Green"' in response.text
    assert await choices_of(app) == []
    assert await log(app) == []


# -- the pages (SQLite) -----------------------------------------------------------------------


async def test_the_add_page_offers_extra_empty_rows(client: AsyncTestClient) -> None:
    """The add page shows ``extra`` empty choices, each input labelled, and the row count."""
    await sign_in(client)
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        response = await client.get("/admin/polls/question/add", headers=HTML)
    assert response.status_code == 200
    (inline,) = rendered.context("admin/change_form.html")["inlines"]
    assert [row.title for row in inline.rows] == ["New choice 1", "New choice 2", "New choice 3"]
    page = response.text
    assert f'name="{P}-TOTAL" value="3"' in page
    for index in range(3):
        assert f'<label for="id_{P}-{index}-choice_text">' in page
        assert f'name="{P}-{index}-votes"' in page
    assert "DELETE" not in page  # nothing stored, nothing to delete


async def test_the_page_holds_an_empty_row_for_the_add_another_script(
    client: AsyncTestClient,
) -> None:
    """Where the user may add choices, the inline carries the script's hooks: a template of
    one empty row (index ``__n__``), the row count, a hidden button, and the battery's
    fingerprinted admin/inlines.js, served. A row numbered as the script numbers it (the
    count, then the count raised) is saved."""
    app: App = client.app  # type: ignore[assignment]
    await sign_in(client)
    page = (await client.get("/admin/polls/question/add", headers=HTML)).text
    assert f'<fieldset class="section inline" id="{P}" data-inline="{P}">' in page
    assert f'name="{P}-TOTAL" value="3" data-inline-total>' in page
    assert re.search(r'<button type="button"[^>]* data-inline-add hidden>Add another choice<', page)
    (empty,) = re.findall(r"<template data-inline-empty>(.*?)</template>", page, re.S)
    assert "<legend>New choice</legend>" in empty
    assert f'<label for="id_{P}-__n__-choice_text">' in empty
    assert sorted(re.findall(r'name="([^"]+)"', empty)) == [
        f"{P}-__n__-choice_text",
        f"{P}-__n__-votes",
    ]
    (script,) = re.findall(r'<script src="([^"]*inlines[^"]*)" defer></script>', page)
    assert re.fullmatch(r"/static/admin/inlines\.[0-9a-f]{12}\.js", script)
    served = await client.get(script)
    assert served.status_code == 200
    assert "javascript" in served.headers["content-type"]
    assert "data-inline-add" in served.text
    assert "__n__" in served.text

    # What the script posts after one click: the extra rows, then row 3, TOTAL raised to 4.
    added = empty.replace("__n__", "3")
    names = re.findall(r'name="([^"]+)"', added)
    assert names == [f"{P}-3-choice_text", f"{P}-3-votes"]
    data = question(**{"TOTAL": "4", "3-choice_text": "Purple", "3-votes": "2"})
    response = await client.post("/admin/polls/question/add", data=data)
    assert response.status_code == 303, response.text
    assert await choices_of(app) == [("Favourite colour?", "Purple", 2)]


async def test_no_add_another_without_the_add_permission(client: AsyncTestClient) -> None:
    """A user who may change but not add choices gets no empty row, button or script."""
    app: App = client.app  # type: ignore[assignment]
    stored = await stored_question(app, "Red")
    await sign_in(
        client,
        superuser=False,
        permissions=("polls.change_question", "polls.change_choice"),
    )
    page = (await client.get(f"/admin/polls/question/{stored.id}/change", headers=HTML)).text
    assert f'name="{P}-0-choice_text"' in page
    assert "data-inline" not in page
    assert "<template" not in page
    assert "inlines." not in page


def choice_input(page: str, index: int) -> str:
    """The ``<input>`` tag of the ``index``-th inline row's choice text."""
    found = re.search(rf'<input[^>]*id="id_{P}-{index}-choice_text"[^>]*>', page)
    assert found is not None, page
    return found.group(0)


async def test_new_rows_are_not_required_by_the_browser(client: AsyncTestClient) -> None:
    """An empty new row is skipped when saved, so its inputs carry no ``required`` (a
    browser would refuse to send the page); the question's and stored rows' inputs do."""
    await sign_in(client)
    page = (await client.get("/admin/polls/question/add", headers=HTML)).text
    assert re.search(r'<input[^>]*id="id_question_text"[^>]* required', page)
    assert all(" required" not in choice_input(page, n) for n in range(3))
    created = await client.post(
        "/admin/polls/question/add",
        data={**question(**{"0-choice_text": "Red", "0-votes": "0"}), "_continue": ""},
    )
    assert created.status_code == 303, created.text
    page = (await client.get(created.headers["location"], headers=HTML)).text
    assert " required" in choice_input(page, 0)
    assert all(" required" not in choice_input(page, n) for n in range(1, 4))


async def test_the_change_page_edits_deletes_and_adds_rows(client: AsyncTestClient) -> None:
    """Existing choices are editable with a delete box; one post changes one, deletes one,
    adds one, and logs each under the choice model."""
    app: App = client.app  # type: ignore[assignment]
    stored = await stored_question(app, "Red", "Green")
    red, green = stored.choices
    await sign_in(client)
    path = f"/admin/polls/question/{stored.id}/change"
    page = (await client.get(path, headers=HTML)).text
    assert f'name="{P}-0-id" value="{red.id}"' in page
    assert f'<label for="id_{P}-1-DELETE">Delete</label>' in page
    assert f'name="{P}-TOTAL" value="5"' in page
    data = question(
        **{"TOTAL": "5", "0-id": str(red.id), "0-choice_text": "Crimson", "0-votes": "1"},
        **{"1-id": str(green.id), "1-choice_text": "Green", "1-votes": "0", "1-DELETE": "on"},
        **{"2-choice_text": "Blue", "2-votes": "0", "3-votes": "0", "4-choice_text": ""},
    )
    response = await client.post(path, data=data)
    assert response.status_code == 303, response.text
    assert await choices_of(app) == [
        ("Favourite colour?", "Crimson", 1),
        ("Favourite colour?", "Blue", 0),
    ]
    entries = await log(app)
    assert [(model, action, name) for model, action, name, _ in entries] == [
        ("choice", "delete", "Green"),
        ("choice", "change", "Crimson"),
        ("choice", "add", "Blue"),
    ]
    assert entries[1][3] == [
        {"field": "choice_text", "old": "Red", "new": "Crimson"},
        {"field": "votes", "old": 0, "new": 1},
    ]
    unchanged = question(**{"TOTAL": "1", "0-id": str(red.id), "0-choice_text": "Crimson"})
    unchanged[f"{P}-0-votes"] = "1"
    await client.post(path, data=unchanged)
    assert len(await log(app)) == 3  # nothing changed, nothing logged


async def test_an_invalid_row_is_shown_in_place_and_nothing_is_saved(
    client: AsyncTestClient,
) -> None:
    """A row with a bad value: 422, its error under its input, the other rows as typed,
    and neither the question nor any choice stored."""
    app: App = client.app  # type: ignore[assignment]
    await sign_in(client)
    data = question(
        **{"0-choice_text": "Red", "0-votes": "0", "1-choice_text": "Green", "1-votes": "many"},
        **{"2-choice_text": "", "2-votes": "3"},
    )
    with record_templates(app) as rendered:
        response = await client.post("/admin/polls/question/add", data=data)
    assert response.status_code == 422
    (inline,) = rendered.context("admin/change_form.html")["inlines"]
    assert [row.invalid for row in inline.rows] == [False, True, True]
    assert "votes" in inline.rows[1].form.errors
    assert inline.rows[2].form.errors == {"choice_text": ["This field is required."]}
    assert f'id="id_{P}-1-votes_errors"' in response.text
    assert 'value="Red"' in response.text
    assert await choices_of(app) == []
    assert await log(app) == []


async def test_a_row_deleted_meanwhile_is_an_error(client: AsyncTestClient) -> None:
    """A posted row whose key no longer exists is not re-created: the page says so; a
    deletion of a row already gone is simply done."""
    app: App = client.app  # type: ignore[assignment]
    stored = await stored_question(app, "Red")
    await sign_in(client)
    path = f"/admin/polls/question/{stored.id}/change"
    data = question(**{"TOTAL": "1", "0-id": "999999", "0-choice_text": "Ghost"})
    response = await client.post(path, data=data)
    assert response.status_code == 422
    assert "This choice was deleted meanwhile" in response.text
    data[f"{P}-0-DELETE"] = "on"
    assert (await client.post(path, data=data)).status_code == 303
    assert await choices_of(app) == [("Favourite colour?", "Red", 0)]


async def test_a_post_without_inline_inputs_leaves_the_rows_alone(
    client: AsyncTestClient,
) -> None:
    """A post of the question's fields only (an API client, an old page) changes no choice."""
    app: App = client.app  # type: ignore[assignment]
    stored = await stored_question(app, "Red", "Green")
    await sign_in(client)
    path = f"/admin/polls/question/{stored.id}/change"
    response = await client.post(path, data=question("Renamed?"))
    assert response.status_code == 303
    assert [text for _, text, _ in await choices_of(app)] == ["Red", "Green"]


# -- permissions of the inline model ----------------------------------------------------------


async def test_view_only_rows_are_text_without_extra_rows_or_delete_boxes(
    client: AsyncTestClient,
) -> None:
    """With change on questions but only view on choices: the choices are text, no empty
    rows, no delete box; posting a new row or a deletion is refused."""
    app: App = client.app  # type: ignore[assignment]
    stored = await stored_question(app, "Red")
    await sign_in(
        client,
        superuser=False,
        permissions=("polls.change_question", "polls.view_choice"),
    )
    path = f"/admin/polls/question/{stored.id}/change"
    page = (await client.get(path, headers=HTML)).text
    assert "<dd>Red</dd>" in page
    assert f"{P}-0-choice_text" not in page
    assert "DELETE" not in page
    assert "New choice" not in page
    red = stored.choices[0].id
    added = question(**{"TOTAL": "2", "0-id": str(red), "1-choice_text": "Blue"})
    assert (await client.post(path, data=added)).status_code == 403
    deleted = question(**{"TOTAL": "1", "0-id": str(red), "0-DELETE": "on"})
    assert (await client.post(path, data=deleted)).status_code == 403
    renamed = question(**{"TOTAL": "1", "0-id": str(red), "0-choice_text": "Pink"})
    assert (await client.post(path, data=renamed)).status_code == 303
    assert await choices_of(app) == [("Favourite colour?", "Red", 0)]


async def test_add_without_delete_and_no_view_at_all(client: AsyncTestClient) -> None:
    """Add and change on choices without delete: editable rows and empty rows, no delete
    box; with no permission on choices the inline is not on the page."""
    app: App = client.app  # type: ignore[assignment]
    stored = await stored_question(app, "Red")
    path = f"/admin/polls/question/{stored.id}/change"
    await sign_in(
        client,
        "editor@polls.example",
        superuser=False,
        permissions=("polls.change_question", "polls.add_choice", "polls.change_choice"),
    )
    page = (await client.get(path, headers=HTML)).text
    assert f'name="{P}-0-choice_text"' in page
    assert "New choice 3" in page
    assert "DELETE" not in page
    await sign_in(
        client, "plain@polls.example", superuser=False, permissions=("polls.change_question",)
    )
    page = (await client.get(path, headers=HTML)).text
    assert "Choices" not in page
    assert "Red" not in page
    data = question(**{"TOTAL": "1", "0-choice_text": "Sneaky"})
    assert (await client.post(path, data=data)).status_code == 303
    assert [text for _, text, _ in await choices_of(app)] == ["Red"]


async def test_a_view_only_question_shows_its_choices_as_text(client: AsyncTestClient) -> None:
    """A user who may only view questions sees the choices as text, whatever they may do
    with choices."""
    app: App = client.app  # type: ignore[assignment]
    stored = await stored_question(app, "Red")
    await sign_in(
        client,
        superuser=False,
        permissions=("polls.view_question", "polls.change_choice", "polls.delete_choice"),
    )
    page = (await client.get(f"/admin/polls/question/{stored.id}/change", headers=HTML)).text
    assert "<dd>Red</dd>" in page
    assert f'name="{P}-' not in page


# -- options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"extra": -1}, "extra is a whole number from 0 to 100"),
        ({"extra": True}, "extra is a whole number"),
        ({"fields": "choice_text"}, "fields is a list of field names"),
        ({"fk": ""}, "fk is a non-empty string"),
    ],
)
def test_inline_checks_its_options(options: dict[str, Any], message: str) -> None:
    """A wrong option is refused where the Inline is written."""
    with pytest.raises(ImproperlyConfigured, match=message):
        Inline(Choice, **options)


def test_modeladmin_takes_a_list_of_inlines() -> None:
    """``inlines`` holds Inline objects."""
    with pytest.raises(ImproperlyConfigured, match="inlines is a list of Inline"):
        ModelAdmin(Question, inlines=[Choice])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("inline", "message"),
    [
        (Inline(CampaignNote), "has 0 foreign keys to Question"),
        (Inline(Choice, fk="choice_text"), "fk='choice_text' is not a foreign key to Question"),
        (Inline(Choice, fields=["question_id", "votes"]), "fields names 'question_id'"),
        (Inline(Choice, fields=["nope"]), "fields names 'nope'"),
    ],
)
def test_an_inline_that_does_not_fit_stops_the_build(
    tmp_path: Path, inline: Inline, message: str
) -> None:
    """An inline model without a key to the parent, a wrong ``fk``, or fields naming the
    key or nothing, fail when the app is built."""
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        build(tmp_path, ModelAdmin(Question, inlines=[inline]))


def test_an_inline_without_fields_edits_every_column_but_the_key(tmp_path: Path) -> None:
    """By default an inline edits the related model's columns except its key to the parent."""
    admin = build(
        tmp_path,
        ModelAdmin(Question, inlines=[Inline(Choice), Inline(QuestionRemark, extra=0)]),
        ModelAdmin(Campaign, inlines=[Inline(CampaignNote, fk="campaign_id")]),
    )
    choice, remark = admin.registry.get("polls", "question").inlines
    assert (choice.fk, choice.prefix, choice.extra) == ("question_id", "polls-choice", 3)
    assert [f.name for f in choice.model.fields] == ["choice_text", "votes"]
    assert [f.name for f in remark.model.fields] == ["text"]
