"""Many-to-many relationships on the edit form: a multiple select, saved through the
association table (on every backend) and audited as the related rows' labels."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from schooner import App
from schooner.contrib.admin import LogEntry, ModelAdmin
from schooner.contrib.orm import Database

from .conftest import sign_in, started
from .polls import QUESTIONS, SURVEYS, Label, Survey

HTML = {"Accept": "text/html"}
MODELS = [QUESTIONS, SURVEYS, ModelAdmin(Label, search_fields=["name"])]


async def labels(app: App, *names: str) -> list[Label]:
    """Store labels named ``names``."""
    database = app.component(Database)
    assert database is not None
    made = [Label(name=name) for name in names]
    async with database.transaction() as db:
        db.add_all(made)
    return made


async def stored(app: App) -> list[tuple[str, list[str]]]:
    """Every survey's title and label names."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        found = await db.scalars(select(Survey).options(selectinload(Survey.labels)))
        return [(s.title, sorted(label.name for label in s.labels)) for s in found]


async def changes(app: App) -> list[tuple[str, list[dict[str, object]]]]:
    """The log's actions and changes, oldest first."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        entries = await db.scalars(select(LogEntry).order_by(LogEntry.id))
        return [(e.action, e.changes) for e in entries]


async def test_labels_are_chosen_saved_changed_and_logged(
    make_app: Callable[..., App], backend: str
) -> None:
    """The add page offers every label in a multiple select; a survey is stored with two;
    a change swaps one; an unchanged post logs nothing; each diff lists the labels."""
    app = make_app(backend, models=MODELS)
    async for client in started(app):
        news, sport, weather = await labels(app, "News", "Sport", "Weather")
        await sign_in(client)
        page = (await client.get("/admin/polls/survey/add", headers=HTML)).text
        assert '<label for="id_labels">Labels</label>' in page
        assert '<select id="id_labels" name="labels" multiple>' in page
        assert f'<option value="{weather.id}">Weather</option>' in page
        data = {"title": "Lunch", "audience": "", "labels": [str(news.id), str(sport.id)]}
        response = await client.post("/admin/polls/survey/add", data=data)
        assert response.status_code == 303, response.text
        assert await stored(app) == [("Lunch", ["News", "Sport"])]
        (survey,) = await stored_ids(app)
        change = f"/admin/polls/survey/{survey}/change"
        page = (await client.get(change, headers=HTML)).text
        assert f'<option value="{news.id}" selected>News</option>' in page
        data = {
            "title": "Lunch",
            "audience": "",
            "labels": [str(weather.id), str(news.id)],
            "_version": "1",
        }
        assert (await client.post(change, data=data)).status_code == 303
        assert await stored(app) == [("Lunch", ["News", "Weather"])]
        assert (await client.post(change, data=data)).status_code == 303  # nothing changed
        assert await changes(app) == [
            (
                "add",
                [
                    {"field": "title", "old": None, "new": "Lunch"},
                    {"field": "labels", "old": None, "new": ["News", "Sport"]},
                ],
            ),
            (
                "change",
                [{"field": "labels", "old": ["News", "Sport"], "new": ["News", "Weather"]}],
            ),
        ]


async def stored_ids(app: App) -> list[int]:
    """The surveys' keys."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        return list(await db.scalars(select(Survey.id)))


async def test_an_unknown_label_is_refused_and_a_viewer_reads_names(
    make_app: Callable[..., App],
) -> None:
    """An id that is no label is a form error (nothing stored); a user who may only view
    surveys sees the labels' names; deleting the survey keeps its labels."""
    app = make_app(models=MODELS)
    async for client in started(app):
        (news,) = await labels(app, "News")
        await sign_in(client)
        data = {"title": "Lunch", "labels": [str(news.id), "999999"]}
        response = await client.post("/admin/polls/survey/add", data=data)
        assert response.status_code == 422
        assert "Select a valid choice." in response.text
        assert await stored(app) == []
        data["labels"] = [str(news.id)]
        assert (await client.post("/admin/polls/survey/add", data=data)).status_code == 303
        (survey,) = await stored_ids(app)
        await sign_in(
            client, "viewer@polls.example", superuser=False, permissions=("polls.view_survey",)
        )
        page = (await client.get(f"/admin/polls/survey/{survey}/change", headers=HTML)).text
        assert "<dd>News</dd>" in page
        assert "<select" not in page
        await sign_in(client, "boss@polls.example")
        delete = f"/admin/polls/survey/{survey}/delete"
        assert (await client.get(delete, headers=HTML)).status_code == 200
        assert (await client.post(delete)).status_code == 303
        assert await stored(app) == []
        assert [label.name for label in await all_labels(app)] == ["News"]  # the label stays


async def all_labels(app: App) -> list[Label]:
    """Every label."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        return list(await db.scalars(select(Label)))
