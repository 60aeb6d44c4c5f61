"""Fuzzing the admin through the whole ASGI stack: never a 5xx.

hypothesis writes arbitrary query strings for the change lists and arbitrary form posts
for the add and change pages (the question's with its inline choices, a remark's with its
autocomplete question, a survey's with its many-to-many labels), and queries for the
autocomplete search, as a signed-in superuser; every answer must be below 500. The site
runs on a SQLite database of its own, and the posts really commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schooner import App
from schooner.contrib.auth import User
from schooner.contrib.auth.testing import force_login
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.mail.testing import use_memory_backend
from schooner.contrib.orm import Database, Model
from schooner.contrib.orm.testing import TestDatabase
from schooner.testing import TestClient

from .conftest import admin_app
from .polls import QUESTIONS, SURVEYS, Campaign, Choice, Question
from .test_autocomplete import REMARKS

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
LISTS = [
    "/admin/polls/question",
    "/admin/polls/choice",
    "/admin/polls/campaign",
    "/admin/polls/question/autocomplete",
]
FIELDS = [
    "question_text", "pub_date", "details", "question_id", "choice_text", "votes", "name",
    "status", "budget", "ratio", "active", "featured", "starts", "code", "settings", "id",
    "_continue", "_addanother", "q", "o", "p",
    "polls-choice-TOTAL", "polls-choice-0-id", "polls-choice-0-choice_text",
    "polls-choice-0-votes", "polls-choice-0-DELETE", "polls-choice-1-id",
    "polls-choice-1-choice_text", "polls-choice-1-votes", "polls-choice-1-DELETE", "text",
    "title", "audience", "labels", "_version",
]  # fmt: skip
text = st.text(max_size=60)
values = st.one_of(
    text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "on", "true", "false", "live", "1", "2025-01-01", "2025-01-01T10:00"]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
query_values = st.one_of(
    values,
    st.sampled_from(["-pub_date", "question__question_text", "-"]),
    st.sampled_from(["0", "none", "LIVE", "mail", "yes", "no", "9999-12-31", "0001-01-01"]),
)
ACTION_FIELDS = ["action", "_selected", "_page", "_select_page", "_confirm", "_list", "x"]
action_values = st.one_of(
    values,
    st.sampled_from(["delete_selected", "reset_votes", "drop", "same_text", "yes", "?q=a&p=2"]),
)
QUERY_NAMES = [
    "q", "o", "p", "x", "question", "details", "status", "channel", "active", "featured",
    "starts__since", "starts__until", "pub_date__since", "pub_date__until",
]  # fmt: skip


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[App, User, int]]:
    """The polls site on a database of its own, with a staff superuser and a question."""
    database = TestDatabase(None, metadata=Model.metadata, folder=tmp_path)
    database.run(database.create())
    user = User(email="fuzz@polls.example", is_staff=True, is_superuser=True, password="!")
    question = Question(question_text="Seed", pub_date=datetime(2025, 1, 1, tzinfo=UTC))
    question.choices = [Choice(choice_text="Yes")]
    asyncio.run(_store(database.url, user, question, Campaign(name="Seed", budget=1)))
    try:
        yield admin_app(database, tmp_path, models=[QUESTIONS, REMARKS, SURVEYS]), user, question.id
    finally:
        database.run(database.drop())


async def _store(url: str, *rows: object) -> None:
    async with Database(url).running() as db, db.transaction() as session:
        session.add_all(rows)


def test_no_query_string_or_form_post_gives_a_server_error(site: tuple[App, User, int]) -> None:
    """Any query string on the lists (search, sort, page and filters), any form (or JSON
    body) on the add and change pages, any bulk-action post: below 500."""
    app, user, question = site
    use_memory_backend(app)
    with TestClient(app) as client:
        as_browser(client)
        force_login(client, user)
        changes = [
            f"/admin/polls/question/{question}/change",
            "/admin/polls/question/add",
            "/admin/polls/choice/add",
            "/admin/polls/campaign/add",
            "/admin/polls/questionremark/add",
            "/admin/polls/survey/add",
        ]

        @FUZZ
        @given(
            path=st.sampled_from(LISTS),
            query=st.lists(st.tuples(st.sampled_from(QUERY_NAMES), query_values)),
        )
        def lists(path: str, query: list[tuple[str, str]]) -> None:
            response = client.get(path, params=query, headers={"Accept": "text/html"})
            assert response.status_code == 200, (path, query, response.text[:500])

        @FUZZ
        @given(
            path=st.sampled_from(changes),
            form=st.dictionaries(st.sampled_from(FIELDS), values, max_size=12),
        )
        def posts(path: str, form: dict[str, str]) -> None:
            response = client.post(
                path,
                content=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code < 500, (path, form, response.text[:500])
            assert response.status_code in (303, 409, 422), (path, form)

        @FUZZ
        @given(
            path=st.sampled_from(changes),
            body=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8) | json_values,
        )
        def json_posts(path: str, body: object) -> None:
            response = client.post(path, json=body)
            assert response.status_code < 500, (path, body, response.text[:500])

        @FUZZ
        @given(
            path=st.sampled_from([f"{path}/actions" for path in LISTS]),
            form=st.lists(st.tuples(st.sampled_from(ACTION_FIELDS), action_values), max_size=10),
        )
        def actions(path: str, form: list[tuple[str, str]]) -> None:
            response = client.post(
                path,
                content=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code < 500, (path, form, response.text[:500])

        lists()
        posts()
        json_posts()
        actions()
