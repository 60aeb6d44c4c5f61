"""The change list's query on every backend: search, sort (with a stable tiebreak) and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schooner import App
from schooner.contrib.orm import Database
from schooner.contrib.templates.testing import record_templates
from schooner.testing import AsyncTestClient

from .conftest import sign_in
from .polls import Choice, Question

HTML = {"Accept": "text/html"}
START = datetime(2025, 1, 1, tzinfo=UTC)


async def fill(app: App) -> None:
    """Twelve questions, a day apart, with a choice each; two mention "Sky" in some case."""
    database = app.component(Database)
    assert database is not None
    texts = [f"Question {n:02}" for n in range(12)]
    texts[3] = "Is the SKY blue?"
    texts[7] = "What colour is the sky at night?"
    async with database.transaction() as db:
        for n, text in enumerate(texts):
            question = Question(question_text=text, pub_date=START + timedelta(days=n))
            question.choices = [Choice(choice_text=f"Answer {11 - n:02}", votes=n % 3)]
            db.add(question)


async def listing(client: AsyncTestClient, path: str, **params: str) -> Any:
    """The change list the page at ``path`` (with query ``params``) was rendered with."""
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        response = await client.get(path, headers=HTML, params=params or None)
    assert response.status_code == 200, response.text
    return rendered.context("admin/change_list.html")["cl"]


def texts(cl: Any) -> list[str]:
    """The first cell of each row."""
    return [row.cells[0] for row in cl.rows]


async def test_search_ignores_case_and_needs_every_word(any_client: AsyncTestClient) -> None:
    """``?q=`` finds "sky" in any case; several words must all match; the total counts the
    matches only."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    cl = await listing(any_client, "/admin/polls/question?q=sky")
    assert sorted(texts(cl)) == ["Is the SKY blue?", "What colour is the sky at night?"]
    assert cl.total == 2
    cl = await listing(any_client, "/admin/polls/question?q=SKY+night")
    assert texts(cl) == ["What colour is the sky at night?"]
    cl = await listing(any_client, "/admin/polls/question?q=100%25")
    assert (cl.total, texts(cl)) == (0, [])


async def test_search_follows_relationships(any_client: AsyncTestClient) -> None:
    """A search field may be a path: choices are found by their question's text."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    cl = await listing(any_client, "/admin/polls/choice?q=sky+blue")
    assert texts(cl) == ["Answer 08"]


async def test_search_text_is_matched_literally(any_client: AsyncTestClient) -> None:
    """Wildcards, quotes, control characters and any Unicode are searched for as text."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    for text in ["%", "_", "\\", "a%b_c\\d", "zz\x00zz", "é ü 😀", "'; drop table x"]:
        cl = await listing(any_client, "/admin/polls/question", q=text)
        assert cl.total == 0, text
    cl = await listing(any_client, "/admin/polls/question", q="\x00sky\x1f")
    assert cl.total == 2


async def test_sorting_by_each_sortable_column(any_client: AsyncTestClient) -> None:
    """``?o=`` sorts by a column, ``-`` reverses it, a related path sorts too, and the
    computed column sorts by the field it names."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    default = await listing(any_client, "/admin/polls/question")
    assert texts(default)[0] == "Question 11"  # ordering = ["-pub_date"]
    by_text = await listing(any_client, "/admin/polls/question?o=question_text")
    assert texts(by_text)[:2] == ["Is the SKY blue?", "Question 00"]
    oldest = await listing(any_client, "/admin/polls/question?o=pub_date")
    assert texts(oldest)[0] == "Question 00"
    choices = await listing(any_client, "/admin/polls/choice?o=-question__question_text")
    assert texts(choices)[0] == "Answer 04"  # "What colour is the sky…" sorts last


async def test_pages_are_stable_and_cover_every_row(any_client: AsyncTestClient) -> None:
    """Sorting by a column with equal values (votes) still pages through every row once:
    the primary key breaks ties."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    seen: list[str] = []
    cl = await listing(any_client, "/admin/polls/question?o=-pub_date&p=1")
    assert (cl.pages, cl.total, len(cl.rows)) == (3, 12, 5)
    for page in (1, 2, 3):
        cl = await listing(any_client, f"/admin/polls/question?o=question_text&p={page}")
        seen += texts(cl)
    assert len(seen) == len(set(seen)) == 12
    votes: list[str] = []
    cl = await listing(any_client, "/admin/polls/choice?o=votes")
    votes = texts(cl)
    assert len(votes) == len(set(votes)) == 12


async def test_the_page_links_keep_the_search_and_the_sort(any_client: AsyncTestClient) -> None:
    """Page links carry ``q`` and ``o``; heading links toggle the direction and go back to
    the first page."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    with record_templates(any_client.app) as rendered:  # type: ignore[arg-type]
        await any_client.get("/admin/polls/question?q=s&o=pub_date&p=2", headers=HTML)
    context = rendered.context("admin/change_list.html")
    assert context["cl"].page == 2
    assert context["next"] == "?q=s&o=pub_date&p=3"
    assert context["previous"] == "?q=s&o=pub_date"
    date_header = context["headers"][1]
    assert (date_header.sort, date_header.link) == ("ascending", "?q=s&o=-pub_date")
