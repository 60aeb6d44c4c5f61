"""The change list's CSV export: every matching row (all pages) with the list's columns,
searched, filtered and sorted as the list, formula-safe, for users who may view."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from schooner.contrib.orm import Database
from schooner.testing import AsyncTestClient

from .conftest import sign_in
from .polls import Choice, Question
from .test_changelist import HTML, fill


def table(text: str) -> list[list[str]]:
    """The CSV's rows."""
    return list(csv.reader(io.StringIO(text)))


async def test_export_has_every_page_in_the_list_order(any_client: AsyncTestClient) -> None:
    """Twelve questions, five a page: the export has all twelve, in the list's order, with
    its columns; the search, filters and sort of the query string apply; the page does not."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    response = await any_client.get("/admin/polls/question/export.csv?p=2")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="polls-question.csv"'
    rows = table(response.text)
    assert rows[0] == ["Question text", "Pub date", "Recent?"]
    assert [row[0] for row in rows[1:3]] == ["Question 11", "Question 10"]  # -pub_date
    assert len(rows) == 13
    assert rows[1][1:] == ["2025-01-12 00:00:00 UTC", "Yes"]
    query = "q=sky&o=question_text&pub_date__since=2025-01-02"
    rows = table((await any_client.get(f"/admin/polls/question/export.csv?{query}")).text)
    assert [row[0] for row in rows[1:]] == ["Is the SKY blue?", "What colour is the sky at night?"]
    rows = table((await any_client.get("/admin/polls/choice/export.csv?o=-votes")).text)
    assert rows[0] == ["Choice text", "Question text", "Votes"]
    assert rows[1] == ["Answer 09", "Question 02", "2"]  # votes 2, then the lowest key


async def test_export_streams_large_lists(client: AsyncTestClient) -> None:
    """More rows than a batch (500) come out whole, each once."""
    database = client.app.component(Database)  # type: ignore[union-attr]
    assert database is not None
    start = datetime(2025, 1, 1, tzinfo=UTC)
    async with database.transaction() as db:
        question = Question(question_text="Many", pub_date=start)
        question.choices = [Choice(choice_text=f"C{n:04}", votes=n) for n in range(1203)]
        db.add(question)
    await sign_in(client)
    response = await client.get("/admin/polls/choice/export.csv?o=votes")
    rows = table(response.text)
    assert len(rows) == 1204
    assert [row[0] for row in rows[1:]] == [f"C{n:04}" for n in range(1203)]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Fine = fine", "Fine = fine"),
    ],
)
async def test_formula_cells_are_defused(client: AsyncTestClient, text: str, cell: str) -> None:
    """Text starting with = + - @ or a tab gets a leading quote; numbers stay numbers."""
    database = client.app.component(Database)  # type: ignore[union-attr]
    assert database is not None
    async with database.transaction() as db:
        question = Question(question_text=text, pub_date=datetime(2025, 1, 1, tzinfo=UTC))
        question.choices = [Choice(choice_text=text, votes=-5)]
        db.add(question)
    await sign_in(client)
    rows = table((await client.get("/admin/polls/choice/export.csv")).text)
    assert rows[1] == [cell, cell, "-5"]


async def test_export_needs_the_view_permission(client: AsyncTestClient) -> None:
    """A user who may only add is refused; one who may view gets the file and the list
    links to it with its query."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(
        client, "adder@polls.example", superuser=False, permissions=("polls.add_question",)
    )
    assert (await client.get("/admin/polls/question/export.csv")).status_code == 403
    viewer: Any = ("polls.view_question",)
    await sign_in(client, "viewer@polls.example", superuser=False, permissions=viewer)
    assert (await client.get("/admin/polls/question/export.csv")).status_code == 200
    html = (await client.get("/admin/polls/question?q=sky&p=2", headers=HTML)).text
    assert 'href="/admin/polls/question/export.csv?q=sky"' in html
    client.cookies.clear()
    response = await client.get("/admin/polls/question/export.csv", headers=HTML)
    assert response.status_code in (302, 303)


async def test_an_empty_list_exports_its_header(client: AsyncTestClient) -> None:
    """No rows: the header line only; a model without columns is headed by its name."""
    await sign_in(client)
    assert table((await client.get("/admin/polls/question/export.csv")).text) == [
        ["Question text", "Pub date", "Recent?"]
    ]
    rows = table((await client.get("/admin/polls/campaignnote/export.csv")).text)
    assert rows == [["Campaign note"]]
