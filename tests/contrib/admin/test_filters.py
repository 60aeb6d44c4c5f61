"""The change list's filters: booleans, enums, foreign keys, date ranges and custom ones,
combined with search, sort and pages, checked when the app is built."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from schooner import App
from schooner.contrib.admin import Filter, ModelAdmin
from schooner.contrib.orm import Database
from schooner.contrib.templates.testing import record_templates
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import sign_in
from .polls import Campaign, Choice, Question, Status, with_details
from .test_changelist import HTML, fill, listing, texts
from .test_options import build

CAMPAIGNS = "/admin/polls/campaign"


async def campaigns(app: App) -> None:
    """Four campaigns: live or draft, active or not, featured yes/no/unknown, dated."""
    database = app.component(Database)
    assert database is not None
    rows = [
        ("alpha", Status.LIVE, "web", True, True, date(2025, 1, 10)),
        ("bravo", Status.DRAFT, "mail", False, False, date(2025, 2, 1)),
        ("charlie", Status.LIVE, "mail", False, None, date(2025, 2, 28)),
        ("delta", Status.DRAFT, "web", True, None, None),
    ]
    async with database.transaction() as db:
        for name, status, channel, active, featured, starts in rows:
            db.add(
                Campaign(
                    name=name,
                    status=status,
                    channel=channel,
                    budget=Decimal("1.00"),
                    active=active,
                    featured=featured,
                    starts=starts,
                )
            )


async def names(client: AsyncTestClient, **params: str) -> list[str]:
    """The campaign names the list shows for ``params``, sorted."""
    return sorted(texts(await listing(client, CAMPAIGNS, **params)))


async def test_boolean_enum_and_date_filters(any_client: AsyncTestClient) -> None:
    """Each filter narrows the list, nullable booleans have an "unknown" choice, date
    bounds are inclusive, and filters combine."""
    await campaigns(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    assert await names(any_client, active="1") == ["alpha", "delta"]
    assert await names(any_client, active="0") == ["bravo", "charlie"]
    assert await names(any_client, featured="0") == ["bravo"]
    assert await names(any_client, featured="none") == ["charlie", "delta"]
    assert await names(any_client, status="LIVE") == ["alpha", "charlie"]
    assert await names(any_client, channel="mail") == ["bravo", "charlie"]
    assert await names(any_client, starts__since="2025-02-01") == ["bravo", "charlie"]
    assert await names(any_client, starts__until="2025-02-01") == ["alpha", "bravo"]
    both = {"starts__since": "2025-01-10", "starts__until": "2025-01-10"}
    assert await names(any_client, **both) == ["alpha"]
    assert await names(any_client, status="DRAFT", active="1") == ["delta"]


async def test_datetime_range_is_whole_days_in_utc(any_client: AsyncTestClient) -> None:
    """A datetime field's range takes whole UTC days, both ends included, and combines
    with the search and the custom filter."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    window = {"pub_date__since": "2025-01-03", "pub_date__until": "2025-01-05"}
    cl = await listing(any_client, "/admin/polls/question", **window)
    assert sorted(texts(cl)) == ["Is the SKY blue?", "Question 02", "Question 04"]
    cl = await listing(any_client, "/admin/polls/question", q="sky", **window)
    assert texts(cl) == ["Is the SKY blue?"]
    cl = await listing(any_client, "/admin/polls/question", details="yes", **window)
    assert cl.total == 0


async def test_foreign_key_filter(any_client: AsyncTestClient) -> None:
    """A relationship filters by the related row's key; its select lists only the rows
    referred to, by label."""
    await fill(any_client.app)  # type: ignore[arg-type]
    database = any_client.app.component(Database)  # type: ignore[union-attr]
    assert database is not None
    async with database.transaction() as db:
        db.add(Question(question_text="Nobody answers", pub_date=datetime(2024, 1, 1, tzinfo=UTC)))
    await sign_in(any_client)
    with record_templates(any_client.app) as rendered:  # type: ignore[arg-type]
        response = await any_client.get("/admin/polls/choice", headers=HTML)
    assert response.status_code == 200
    (question,) = rendered.context("admin/change_list.html")["filters"]
    labels = [label for _, label in question.options]
    assert len(labels) == 12
    assert "Nobody answers" not in labels
    assert labels[0] == "Is the SKY blue?"
    assert not question.truncated
    sky = dict((label, value) for value, label in question.options)["Is the SKY blue?"]
    cl = await listing(any_client, "/admin/polls/choice", question=sky)
    assert texts(cl) == ["Answer 08"]


async def test_related_choices_are_capped(client: AsyncTestClient) -> None:
    """Past a hundred referred rows the select lists the first hundred and says so; a key
    it does not list still filters."""
    database = client.app.component(Database)  # type: ignore[union-attr]
    assert database is not None
    start = datetime(2025, 1, 1, tzinfo=UTC)
    async with database.transaction() as db:
        for n in range(101):
            question = Question(question_text=f"Q{n:03}", pub_date=start + timedelta(hours=n))
            question.choices = [Choice(choice_text=f"C{n:03}")]
            db.add(question)
    await sign_in(client)
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        response = await client.get("/admin/polls/choice", headers=HTML)
    (question,) = rendered.context("admin/change_list.html")["filters"]
    assert (len(question.options), question.truncated) == (100, True)
    assert "Only the first 100 are listed." in response.text
    last = max(int(value) for value, _ in question.options) + 1
    cl = await listing(client, "/admin/polls/choice", question=str(last))
    assert texts(cl) == ["C100"]
    assert (
        f'<option value="{last}" selected>'
        in (await client.get(f"/admin/polls/choice?question={last}", headers=HTML)).text
    )


@pytest.mark.parametrize(
    "params",
    [
        {"active": "maybe"},
        {"featured": "yes"},
        {"status": "live"},
        {"starts__since": "2025-13-01"},
        {"starts__until": "20250101"},
        {"starts__since": "９９９９-01-01"},
    ],
)
async def test_a_bad_value_is_ignored_with_a_note(
    client: AsyncTestClient, params: dict[str, str]
) -> None:
    """A value that is not a choice leaves the list unfiltered and the page says so."""
    await campaigns(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    response = await client.get(CAMPAIGNS, headers=HTML, params=params)
    assert response.status_code == 200
    dated = any(name.startswith("starts__") for name in params)
    refusal = "is not a date (YYYY-MM-DD)" if dated else "is not one of its choices"
    assert f"{refusal}; ignored." in response.text
    assert await names(client, **params) == ["alpha", "bravo", "charlie", "delta"]


async def test_bad_keys_and_extreme_dates(any_client: AsyncTestClient) -> None:
    """A key of the wrong type, or beyond what the column holds, is ignored; the last day
    of year 9999 has no upper bound."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    for key in ["abc", str(2**70), str(-(2**70))]:
        response = await any_client.get(f"/admin/polls/choice?question={key}", headers=HTML)
        assert (response.status_code, "ignored" in response.text) == (200, True), key
    for day in ("9999-12-31", "0001-01-01"):
        cl = await listing(any_client, "/admin/polls/question", pub_date__until=day)
        assert cl.total == (12 if day.startswith("9") else 0)


async def test_links_keep_the_filters(client: AsyncTestClient) -> None:
    """Page, sort and search keep the chosen filters; the sidebar keeps the search and
    the sort; "Clear filters" drops only the filters."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        response = await client.get(
            "/admin/polls/question?q=question&details=no&o=pub_date&p=2", headers=HTML
        )
    context = rendered.context("admin/change_list.html")
    assert context["previous"] == "?q=question&details=no&o=pub_date"
    assert context["headers"][0].link == "?q=question&details=no&o=question_text"
    assert context["clear_filters"] == "?q=question&o=pub_date"
    assert context["show_all"] == "?details=no&o=pub_date"
    html = response.text
    assert '<input type="hidden" name="details" value="no">' in html
    assert '<input type="hidden" name="q" value="question">' in html
    assert '<option value="no" selected>Without</option>' in html
    assert '<label for="filter-pub_date__since">Since</label>' in html


def test_filter_checks_its_parts() -> None:
    """A custom filter needs a title, a query-string name, distinct options and a function."""
    cases: list[tuple[tuple[Any, ...], str]] = [
        (("", "x", [("a", "A")], with_details), "the title"),
        (("T", "Bad-Name", [("a", "A")], with_details), "query-string name"),
        (("T", "x", [], with_details), "options is a list"),
        (("T", "x", [("a", "A"), ("a", "B")], with_details), "same value"),
        (("T", "x", [("a", "A")], "nope"), "narrow is a function"),
    ]
    for args, message in cases:
        with pytest.raises(ImproperlyConfigured, match=message):
            Filter(*args)
    with pytest.raises(ImproperlyConfigured, match="is not a field name or a Filter"):
        ModelAdmin(Question, list_filter=[3])


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            ["question_text"],
            r"list_filter names 'question_text', which is not a boolean, enum, date or "
            r"datetime field or a many-to-one relationship of Question \(those are: pub_date\)",
        ),
        (["nope"], "list_filter names 'nope'"),
        ([Filter("Search", "q", [("a", "A")], with_details)], "'q', which the list uses"),
        (["pub_date", Filter("P", "pub_date__since", [("a", "A")], with_details)], "is taken"),
    ],
)
def test_unknown_filters_stop_the_build(tmp_path: Path, filters: list[Any], message: str) -> None:
    """A field that cannot be filtered, or a parameter in use, fails when the app is built."""
    with pytest.raises(ImproperlyConfigured, match=message):
        build(tmp_path, ModelAdmin(Question, list_filter=filters))


def test_a_key_column_filters_like_its_relationship(tmp_path: Path) -> None:
    """``question_id`` names the same filter as ``question``."""
    admin = build(tmp_path, ModelAdmin(Choice, list_filter=["question_id"]))
    (found,) = admin.registry.get("polls", "choice").filters
    assert (found.title, found.parameters) == ("Question", ("question",))
