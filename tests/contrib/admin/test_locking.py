"""Optimistic locking, on every backend: two people edit the same versioned row; the second
save is refused with the current values, and nothing is overwritten."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, select, update

from schooner import App
from schooner.contrib.admin import LogEntry
from schooner.contrib.orm import Database
from schooner.contrib.templates.testing import record_templates

from .conftest import sign_in, started
from .polls import QUESTIONS, SURVEYS, Survey

HTML = {"Accept": "text/html"}
CONFLICT = "This survey was changed by someone else since you opened it"


@pytest.fixture
def survey_app(make_app: Callable[..., App], backend: str) -> App:
    """The polls site with the versioned surveys, on each backend."""
    return make_app(backend, models=[QUESTIONS, SURVEYS])


async def stored(app: App) -> Survey:
    """A survey at version 1."""
    database = app.component(Database)
    assert database is not None
    survey = Survey(title="Lunch", audience="Staff")
    async with database.transaction() as db:
        db.add(survey)
    return survey


async def current(app: App) -> tuple[str, str | None, int]:
    """The stored survey's title, audience and version."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        row = (await db.execute(select(Survey.title, Survey.audience, Survey.version))).one()
        return row.title, row.audience, row.version


def version_in(page: str) -> str:
    """The version the page's form carries."""
    marker = 'name="_version" value="'
    assert marker in page
    return page.split(marker, 1)[1].split('"', 1)[0]


async def test_the_second_of_two_concurrent_edits_is_refused(survey_app: App) -> None:
    """Two editors open the same survey; the first saves; the second gets 409, the
    conflict message, the current values and their own input, and the row keeps the first
    editor's values; saving again from that page overwrites knowingly."""
    async for first in started(survey_app):
        async for second in started(survey_app):
            survey = await stored(survey_app)
            await sign_in(first, "first@polls.example")
            await sign_in(second, "second@polls.example")
            path = f"/admin/polls/survey/{survey.id}/change"
            seen = version_in((await first.get(path, headers=HTML)).text)
            assert version_in((await second.get(path, headers=HTML)).text) == seen
            mine = {"title": "Dinner", "audience": "Staff", "_version": seen}
            assert (await first.post(path, data=mine)).status_code == 303
            theirs = {"title": "Breakfast", "audience": "Everyone", "_version": seen}
            with record_templates(survey_app) as rendered:
                response = await second.post(path, data=theirs)
            assert response.status_code == 409
            assert CONFLICT in response.text
            context = rendered.context("admin/change_form.html")
            assert ("Title", "Dinner") in context["current"]
            assert 'value="Breakfast"' in response.text  # their input, kept
            assert await current(survey_app) == ("Dinner", "Staff", 2)
            again = version_in(response.text)
            assert again == "2"
            retry = {**theirs, "_version": again}
            assert (await second.post(path, data=retry)).status_code == 303
            assert await current(survey_app) == ("Breakfast", "Everyone", 3)
            database = survey_app.component(Database)
            assert database is not None
            async with database.transaction() as db:
                entries = list(await db.scalars(select(LogEntry).order_by(LogEntry.id)))
            assert [e.user_email for e in entries] == [
                "first@polls.example",
                "second@polls.example",
            ]


async def test_a_post_without_a_version_overwrites_nothing(survey_app: App) -> None:
    """A post that does not say which version it was made from (or says nonsense) is a
    conflict too."""
    async for client in started(survey_app):
        survey = await stored(survey_app)
        await sign_in(client)
        path = f"/admin/polls/survey/{survey.id}/change"
        for version in (None, "first", "7"):
            data = {"title": "Guess", "audience": ""}
            if version is not None:
                data["_version"] = version
            response = await client.post(path, data=data)
            assert response.status_code == 409, version
        assert await current(survey_app) == ("Lunch", "Staff", 1)


@pytest.fixture
def saved_meanwhile() -> Iterator[None]:
    """Someone saves the survey between the page's read and its write: just before the
    ORM's UPDATE, on the same connection, the row's version is bumped (inside the page's
    savepoint, so the refusal rolls the bump back with it)."""

    def bump(mapper: Any, connection: Any, target: Survey) -> None:
        table = Survey.__table__
        connection.execute(
            update(table)
            .where(table.c.id == target.id)
            .values(title="Lunch (moved)", version=table.c.version + 1)
        )

    event.listen(Survey, "before_update", bump)
    yield
    event.remove(Survey, "before_update", bump)


async def test_a_save_in_between_is_caught_by_the_database(
    survey_app: App, saved_meanwhile: None
) -> None:
    """The version matches when the page reads the row, but someone saves before the
    write: the database's version check refuses the update, and the page says so."""
    async for client in started(survey_app):
        survey = await stored(survey_app)
        await sign_in(client)
        path = f"/admin/polls/survey/{survey.id}/change"
        data = {"title": "Brunch", "audience": "Staff", "_version": "1"}
        with record_templates(survey_app) as rendered:
            response = await client.post(path, data=data)
        assert response.status_code == 409
        assert CONFLICT in response.text
        assert ("Title", "Lunch") in rendered.context("admin/change_form.html")["current"]
        assert 'value="Brunch"' in response.text
        assert await current(survey_app) == ("Lunch", "Staff", 1)
