"""The change list's count: exact, or PostgreSQL's estimate for a large table listed whole."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from schooner import App
from schooner.contrib.admin import ModelAdmin
from schooner.contrib.orm import Database
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import sign_in, started
from .polls import QUESTIONS, Question
from .test_changelist import HTML, START, fill, listing, texts


async def analyze(app: App) -> None:
    """Have PostgreSQL measure the questions table (what autovacuum does on its own)."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        await db.execute(text(f"ANALYZE {Question.__table__.name}"))


async def more_questions(app: App) -> None:
    """Twelve questions more, added after the table was measured."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        for n in range(12):
            db.add(Question(question_text=f"Later {n:02}", pub_date=START + timedelta(days=n)))


async def estimating(
    make_app: Callable[..., App], backend: str, over: int
) -> AsyncIterator[AsyncTestClient]:
    """A signed-in client of a site whose questions list estimates past ``over`` rows, with
    twelve questions (measured, on PostgreSQL)."""
    app = make_app(backend, models=[dataclasses.replace(QUESTIONS, estimate_count_over=over)])
    async for client in started(app):
        await fill(app)
        await sign_in(client)
        if backend == "postgresql":
            await analyze(app)
        yield client


async def test_the_whole_list_is_estimated_on_postgresql_only(
    make_app: Callable[..., App], backend: str
) -> None:
    """Past the threshold, PostgreSQL's list of every row says "about N" from the table's
    statistics; SQLite and MariaDB count exactly."""
    async for client in estimating(make_app, backend, over=5):
        cl = await listing(client, "/admin/polls/question")
        assert cl.total == 12
        assert cl.estimated is (backend == "postgresql")
        page = await client.get("/admin/polls/question", headers=HTML)
        assert ("about 12 questions" in page.text) is (backend == "postgresql")


async def test_a_search_or_a_filter_is_counted_exactly(make_app: Callable[..., App]) -> None:
    """A searched or filtered list is counted, not estimated, on PostgreSQL too."""
    async for client in estimating(make_app, "postgresql", over=5):
        searched = await listing(client, "/admin/polls/question", q="sky")
        assert (searched.total, searched.estimated) == (2, False)
        whole = await listing(client, "/admin/polls/question")
        filtered = await listing(client, "/admin/polls/question", pub_date__until="2025-01-03")
        assert whole.estimated
        assert filtered.query.filters == (("pub_date__until", "2025-01-03"),)
        assert (filtered.total, filtered.estimated) == (3, False)


async def test_below_the_threshold_the_count_is_exact(make_app: Callable[..., App]) -> None:
    """A table the statistics say is smaller than ``estimate_count_over`` is counted."""
    async for client in estimating(make_app, "postgresql", over=1000):
        cl = await listing(client, "/admin/polls/question")
        assert (cl.total, cl.estimated) == (12, False)


async def test_every_row_is_reached_when_the_estimate_is_short(
    make_app: Callable[..., App],
) -> None:
    """Rows added since the table was measured are still reached: a full page links to the
    next one, and the page where the rows end is the last."""
    async for client in estimating(make_app, "postgresql", over=5):
        await more_questions(client.app)  # type: ignore[arg-type]  # the statistics say 12
        first = await listing(client, "/admin/polls/question")
        assert (first.total, first.estimated, first.pages) == (12, True, 3)
        seen: list[str] = []
        page = 1
        while True:
            cl = await listing(client, "/admin/polls/question", p=str(page))
            seen += texts(cl)
            if cl.pages == page:
                break
            page += 1
        assert (page, len(seen), len(set(seen))) == (5, 24, 24)


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "100"])
def test_estimate_count_over_is_checked(value: object) -> None:
    """``estimate_count_over`` is a whole number above 0 or ``None``."""
    with pytest.raises(ImproperlyConfigured, match="estimate_count_over"):
        ModelAdmin(Question, estimate_count_over=value)  # type: ignore[arg-type]
