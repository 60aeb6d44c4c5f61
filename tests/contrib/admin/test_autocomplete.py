"""Foreign keys as autocomplete inputs: the JSON search (on every backend), the form's
input, ids that name no row, the script, and the build-time checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from schooner import App
from schooner.contrib.admin import ModelAdmin
from schooner.contrib.orm import Database
from schooner.exceptions import ImproperlyConfigured

from .conftest import sign_in, started
from .polls import QUESTIONS, Campaign, CampaignNote, Question, QuestionRemark
from .test_options import build

HTML = {"Accept": "text/html"}
REMARKS = ModelAdmin(QuestionRemark, autocomplete_fields=["question_id"])
SEARCH = "/admin/polls/question/autocomplete"


@pytest.fixture
def remark_app(make_app: Callable[..., App]) -> App:
    """The polls site with remarks, whose question is an autocomplete input (SQLite)."""
    return make_app(models=[QUESTIONS, REMARKS])


async def questions(app: App, *texts: str) -> list[Question]:
    """Store questions with ``texts``."""
    database = app.component(Database)
    assert database is not None
    made = [
        Question(question_text=text, pub_date=datetime(2025, 1, 1, tzinfo=UTC)) for text in texts
    ]
    async with database.transaction() as db:
        db.add_all(made)
    return made


async def test_the_search_finds_rows_by_words_and_by_id(
    make_app: Callable[..., App], backend: str
) -> None:
    """Every word must be found (ignoring case) in a search field; the id alone finds its
    row; pages of 20 say whether more follow; odd input never fails."""
    app = make_app(backend, models=[QUESTIONS, REMARKS])
    async for client in started(app):
        made = await questions(
            app, "Favourite Colour?", "Colour of the sky", "Best pie", *[f"Q{n}" for n in range(25)]
        )
        await sign_in(client)
        found = (await client.get(SEARCH, params={"q": "colour"})).json()
        assert found == {
            "results": [
                {"id": str(made[0].id), "text": "Favourite Colour?"},
                {"id": str(made[1].id), "text": "Colour of the sky"},
            ],
            "more": False,
        }
        both = (await client.get(SEARCH, params={"q": "SKY colour"})).json()["results"]
        assert [r["text"] for r in both] == ["Colour of the sky"]
        by_id = (await client.get(SEARCH, params={"q": str(made[2].id)})).json()["results"]
        assert {"id": str(made[2].id), "text": "Best pie"} in by_id
        first = (await client.get(SEARCH)).json()
        assert (len(first["results"]), first["more"]) == (20, True)
        second = (await client.get(SEARCH, params={"p": "2"})).json()
        assert (len(second["results"]), second["more"]) == (8, False)
        for odd in ("%", "_", "\x00", "'; drop", "9" * 40, "x" * 500):
            response = await client.get(SEARCH, params={"q": odd, "p": "-1"})
            assert response.status_code == 200, odd


async def test_the_search_needs_the_view_permission(remark_app: App) -> None:
    """Without view on questions the search is refused; without any permission it is not
    there."""
    async for client in started(remark_app):
        await sign_in(client, superuser=False, permissions=("polls.add_question",))
        assert (await client.get(SEARCH, params={"q": "x"})).status_code == 403
        await sign_in(
            client,
            "other@polls.example",
            superuser=False,
            permissions=("polls.view_questionremark",),
        )
        assert (await client.get(SEARCH, params={"q": "x"})).status_code == 404


async def test_the_form_takes_an_id_and_refuses_one_that_names_no_row(remark_app: App) -> None:
    """The remark's question is a text input with a datalist and the search's address (no
    select of every question); an existing id is stored, an unknown one is a form error,
    and the change page names the row the id refers to."""
    async for client in started(remark_app):
        (question,) = await questions(remark_app, "Lunch?")
        await sign_in(client)
        page = (await client.get("/admin/polls/questionremark/add", headers=HTML)).text
        assert f'data-autocomplete="{SEARCH}"' in page
        assert 'list="id_question_id_options"' in page
        assert "<select" not in page
        script = re.search(r'<script src="([^"]+autocomplete[^"]*\.js)" defer></script>', page)
        assert script is not None
        served = await client.get(script.group(1))
        assert served.status_code == 200
        assert "dataset.autocomplete" in served.text
        data = {"question_id": "999999", "text": "Hot"}
        response = await client.post("/admin/polls/questionremark/add", data=data)
        assert response.status_code == 422
        assert "There is no question with the id 999999." in response.text
        data["question_id"] = "first"
        assert (await client.post("/admin/polls/questionremark/add", data=data)).status_code == 422
        data["question_id"] = str(question.id)
        response = await client.post("/admin/polls/questionremark/add", data=data)
        assert response.status_code == 303
        database = remark_app.component(Database)
        assert database is not None
        async with database.transaction() as db:
            remark = (await db.scalars(select(QuestionRemark))).one()
        assert remark.question_id == question.id
        path = f"/admin/polls/questionremark/{remark.id}/change"
        page = (await client.get(path, headers=HTML)).text
        assert "Now: Lunch?." in page


def test_autocomplete_fields_are_checked_at_build(tmp_path: Path) -> None:
    """A name that is no foreign key, or a related model without a searchable admin, stops
    the build."""
    with pytest.raises(ImproperlyConfigured, match="'text', which is not a foreign key"):
        build(tmp_path, QUESTIONS, ModelAdmin(QuestionRemark, autocomplete_fields=["text"]))
    with pytest.raises(ImproperlyConfigured, match="give Campaign a ModelAdmin with search"):
        build(
            tmp_path,
            ModelAdmin(Campaign),
            ModelAdmin(CampaignNote, autocomplete_fields=["campaign_id"]),
        )
    with pytest.raises(ImproperlyConfigured, match="give Question a ModelAdmin with search"):
        build(tmp_path, ModelAdmin(QuestionRemark, autocomplete_fields=["question_id"]))
