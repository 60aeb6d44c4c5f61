"""The admin's pages through the test client (SQLite): who sees what, each page and post,
validation, history, recent actions, CSRF, template overrides and the page markup."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from schooner import App
from schooner.contrib.admin import LogEntry
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.orm import Database
from schooner.contrib.security.testing import csp_of
from schooner.contrib.templates.testing import record_templates
from schooner.testing import AsyncTestClient

from .conftest import sign_in
from .polls import Campaign, Choice, Question, Status

HTML = {"Accept": "text/html"}
WHEN = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
PAGES = [
    "/admin/",
    "/admin/polls/question",
    "/admin/polls/question/add",
    "/admin/polls/question/{id}/change",
    "/admin/polls/question/{id}/delete",
    "/admin/polls/question/{id}/history",
]


async def add_question(app: App, text: str = "What's up?", **fields: Any) -> Question:
    """Store a question (with two choices) directly."""
    database = app.component(Database)
    assert database is not None
    question = Question(question_text=text, pub_date=fields.pop("pub_date", WHEN), **fields)
    question.choices = [Choice(choice_text="Not much"), Choice(choice_text="The sky", votes=2)]
    async with database.transaction() as db:
        db.add(question)
    return question


async def count(app: App, model: type[Any]) -> int:
    """How many rows ``model`` has."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def log(app: App) -> list[LogEntry]:
    """The audit log, oldest first."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        return list(await db.scalars(select(LogEntry).order_by(LogEntry.id)))


# -- who may come in ----------------------------------------------------------------------


async def test_a_visitor_is_sent_to_the_login_page_and_back(client: AsyncTestClient) -> None:
    """Every admin page sends a browser that is not signed in to the accounts login page,
    with ``next`` pointing back at it; a post is refused with 401."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    for page in PAGES:
        path = page.format(id=question.id)
        response = await client.get(path, headers=HTML)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/accounts/login?next=%2Fadmin%2F")
    response = await client.post("/admin/polls/question/add", data={"question_text": "x"})
    assert response.status_code == 401
    assert await count(client.app, Question) == 1  # type: ignore[arg-type]


async def test_a_signed_in_user_who_is_not_staff_is_refused(client: AsyncTestClient) -> None:
    """Signed in without ``is_staff``: 403 on every page and post, even as a superuser."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client, staff=False)
    for page in PAGES:
        response = await client.get(page.format(id=question.id), headers=HTML)
        assert response.status_code == 403
    data = {"question_text": "Hijack", "pub_date": "2025-01-01T00:00"}
    response = await client.post(f"/admin/polls/question/{question.id}/change", data=data)
    assert response.status_code == 403
    assert await log(client.app) == []  # type: ignore[arg-type]


async def test_a_superuser_sees_every_model_on_the_index(client: AsyncTestClient) -> None:
    """The index lists each model the user may use, grouped under its label, with add links."""
    await sign_in(client)
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        response = await client.get("/admin/", headers=HTML)
    assert response.status_code == 200
    assert rendered.names == ["admin/index.html"]
    (title, entries), *_ = rendered.context("admin/index.html")["groups"]
    assert title == "Polls"
    assert [model.name for model, _ in entries] == [
        "campaign",
        "campaignnote",
        "choice",
        "question",
    ]
    assert 'href="/admin/polls/question/add"' in response.text
    assert "<title>Site administration · Polls admin</title>" in response.text


async def test_staff_without_permissions_see_an_empty_index_and_404s(
    client: AsyncTestClient,
) -> None:
    """A staff user with no permission sees no model, and the models' pages do not exist
    for them."""
    await sign_in(client, superuser=False)
    page = (await client.get("/admin/", headers=HTML)).text
    assert "You have no permission to view or change anything here." in page
    assert "/admin/polls/question" not in page
    assert (await client.get("/admin/polls/question", headers=HTML)).status_code == 404


async def test_view_permission_shows_values_without_edit_controls(client: AsyncTestClient) -> None:
    """With polls.view_question only: the list and the row are readable, but there is no add
    link, no form, no delete link, and every post is refused with 403."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client, superuser=False, permissions=("polls.view_question",))
    index = (await client.get("/admin/", headers=HTML)).text
    assert 'href="/admin/polls/question"' in index
    assert "/admin/polls/question/add" not in index
    assert "/admin/polls/choice" not in index
    listing = (await client.get("/admin/polls/question", headers=HTML)).text
    assert "What&#39;s up?" in listing
    assert "Add question" not in listing
    page = await client.get(f"/admin/polls/question/{question.id}/change", headers=HTML)
    assert page.status_code == 200
    assert "<h1>View question</h1>" in page.text
    assert '<form method="post" action="/admin/polls/question/' not in page.text
    assert "<dd>2025-03-01 10:30:00 UTC</dd>" in page.text
    assert "/delete" not in page.text
    change = {"question_text": "Changed", "pub_date": "2025-01-01T00:00"}
    for path, data in [
        ("/admin/polls/question/add", change),
        (f"/admin/polls/question/{question.id}/change", change),
        (f"/admin/polls/question/{question.id}/delete", {}),
    ]:
        assert (await client.post(path, data=data)).status_code == 403, path
    for path in ["/admin/polls/question/add", f"/admin/polls/question/{question.id}/delete"]:
        assert (await client.get(path, headers=HTML)).status_code == 403, path
    assert await count(client.app, Question) == 1  # type: ignore[arg-type]
    assert await log(client.app) == []  # type: ignore[arg-type]


async def test_change_permission_includes_viewing(client: AsyncTestClient) -> None:
    """polls.change_question alone lists and edits questions (but adds and deletes nothing)."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client, superuser=False, permissions=("polls.change_question",))
    assert (await client.get("/admin/polls/question", headers=HTML)).status_code == 200
    data = {"question_text": "Changed?", "pub_date": "2025-03-01T10:30"}
    response = await client.post(f"/admin/polls/question/{question.id}/change", data=data)
    assert response.status_code == 303
    page = await client.get(f"/admin/polls/question/{question.id}/change", headers=HTML)
    assert "Save and add another" not in page.text  # no add permission
    assert (await client.get("/admin/polls/question/add", headers=HTML)).status_code == 403


# -- the change list --------------------------------------------------------------------------


async def test_the_list_shows_columns_paths_and_computed_values(client: AsyncTestClient) -> None:
    """Fields, a related path and a computed column, each as the page shows values."""
    await add_question(client.app, "Old one", pub_date=datetime(2020, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    await sign_in(client)
    questions = (await client.get("/admin/polls/question", headers=HTML)).text
    assert re.search(r"<td>2020-01-01 00:00:00 UTC</td>\s*<td>No</td>", questions)
    choices = (await client.get("/admin/polls/choice", headers=HTML)).text
    assert re.search(r">The sky</a></th>\s*<td>Old one</td>\s*<td>2</td>", choices)


async def test_a_model_without_columns_lists_its_rows_by_label(client: AsyncTestClient) -> None:
    """Without list_display, a column of labels: "campaign note <id>" for a model with no
    ``__str__`` (and "campaign <id>" in the select of campaigns)."""
    await sign_in(client)
    data = {"name": "Spring", "status": "live", "channel": "mail", "budget": "10.50"}
    response = await client.post("/admin/polls/campaign/add", data=data)
    assert response.status_code == 303, response.text
    form = (await client.get("/admin/polls/campaignnote/add", headers=HTML)).text
    (campaign,) = re.findall(r'<option value="(\d+)">campaign \1</option>', form)
    note = {"campaign_id": campaign, "text": "Call the printer"}
    assert (await client.post("/admin/polls/campaignnote/add", data=note)).status_code == 303
    page = (await client.get("/admin/polls/campaignnote", headers=HTML)).text
    assert re.search(r'<th scope="col">Campaign note</th>', page)
    assert re.search(r">campaign note \d+</a>", page)


async def test_a_bad_query_string_shows_the_first_page(client: AsyncTestClient) -> None:
    """Unknown sort keys and page numbers that are not numbers are ignored; a page past
    the end shows the last one."""
    await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    for query in ["?o=nope", "?o=-details", "?p=x", "?p=-1", "?p=999999999999", "?p=%C2%B2"]:
        with record_templates(client.app) as rendered:  # type: ignore[arg-type]
            response = await client.get("/admin/polls/question" + query, headers=HTML)
        assert response.status_code == 200, query
        cl = rendered.context("admin/change_list.html")["cl"]
        assert (cl.page, cl.query.order) == (1, None), query


async def test_an_unknown_model_or_row_is_404(client: AsyncTestClient) -> None:
    """A model the admin does not have, or a primary key that is no row (or no number)."""
    await sign_in(client)
    for path in [
        "/admin/polls/nothing",
        "/admin/auth/user",
        "/admin/polls/question/1/change",
        "/admin/polls/question/abc/change",
        "/admin/polls/question/99999999999999999999/delete",
        "/admin/polls/question/1/history",
    ]:
        assert (await client.get(path, headers=HTML)).status_code == 404, path


# -- add and change ---------------------------------------------------------------------------


async def test_adding_a_question_stores_it_logs_it_and_says_so(client: AsyncTestClient) -> None:
    """A valid post stores the row, records who added what, flashes, and redirects to the
    list; "save and continue" goes to the row's page, "save and add another" to a new form."""
    user = await sign_in(client)
    data = {"question_text": "What's new?", "pub_date": "2025-05-02T08:15", "details": ""}
    response = await client.post("/admin/polls/question/add", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/polls/question"
    listing = (await client.get("/admin/polls/question", headers=HTML)).text
    assert "The question “What&#39;s new?” was added." in listing
    (entry,) = await log(client.app)  # type: ignore[arg-type]
    assert (entry.user_id, entry.user_email, entry.action) == (user.id, user.email, "add")
    assert (entry.label, entry.model, entry.object_repr) == ("polls", "question", "What's new?")
    assert entry.changes == [
        {"field": "question_text", "old": None, "new": "What's new?"},
        {"field": "pub_date", "old": None, "new": "2025-05-02T08:15:00+00:00"},
    ]
    more = {**data, "question_text": "And?", "_continue": ""}
    response = await client.post("/admin/polls/question/add", data=more)
    assert re.fullmatch(r"/admin/polls/question/\d+/change", response.headers["location"])
    another = {**data, "question_text": "Again?", "_addanother": ""}
    response = await client.post("/admin/polls/question/add", data=another)
    assert response.headers["location"] == "/admin/polls/question/add"


async def test_an_invalid_form_is_shown_again_with_its_errors(client: AsyncTestClient) -> None:
    """Errors are re-rendered in place (422), with what was typed kept; nothing is stored."""
    await sign_in(client)
    data = {"question_text": "x" * 201, "pub_date": "tomorrow", "details": "Some words"}
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        response = await client.post("/admin/polls/question/add", data=data)
    assert response.status_code == 422
    form = rendered.context("admin/change_form.html")["form"]
    assert form.errors == {
        "question_text": ["Enter at most 200 characters."],
        "pub_date": ["Enter a valid date and time."],
    }
    assert "Please correct the errors below." in response.text
    assert 'aria-invalid="true"' in response.text
    assert ">Some words</textarea>" in response.text
    assert await count(client.app, Question) == 0  # type: ignore[arg-type]


async def test_changing_a_row_logs_the_field_diff(client: AsyncTestClient) -> None:
    """Only the fields that changed are logged, old and new; an unchanged post logs nothing."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    path = f"/admin/polls/question/{question.id}/change"
    page = (await client.get(path, headers=HTML)).text
    assert 'value="2025-03-01T10:30:00"' in page
    data = {"question_text": "What's up?", "pub_date": "2025-03-01T10:30:00", "details": "More"}
    response = await client.post(path, data=data)
    assert response.status_code == 303
    (entry,) = await log(client.app)  # type: ignore[arg-type]
    assert entry.action == "change"
    assert entry.changes == [{"field": "details", "old": None, "new": "More"}]
    response = await client.post(path, data=data)
    assert response.headers["location"] == path
    assert len(await log(client.app)) == 1  # type: ignore[arg-type]
    assert "No fields were changed." in (await client.get(path, headers=HTML)).text


async def test_every_kind_of_column_round_trips(client: AsyncTestClient) -> None:
    """Enum, Decimal, float, bool, nullable bool, date: stored typed, shown again as typed;
    JSON and UUID columns and a computed value are read-only text."""
    await sign_in(client)
    data = {
        "name": "Autumn",
        "status": "live",
        "channel": "web",
        "budget": "1234.50",
        "ratio": "0.25",
        "active": "on",
        "featured": "false",
        "starts": "2025-09-01",
        "code": "ignored: read-only",
    }
    response = await client.post("/admin/polls/campaign/add", data={**data, "_continue": ""})
    assert response.status_code == 303, response.text
    database = client.app.component(Database)  # type: ignore[attr-defined]
    async with database.transaction() as db:
        (campaign,) = (await db.scalars(select(Campaign))).all()
    assert campaign.status is Status.LIVE
    assert str(campaign.budget) == "1234.50"
    assert (campaign.ratio, campaign.active, campaign.featured) == (0.25, True, False)
    assert campaign.starts.isoformat() == "2025-09-01"
    listing = (await client.get("/admin/polls/campaign", headers=HTML)).text
    assert re.search(
        r">Autumn</a></th>\s*<td>Live</td>\s*<td>1234.50</td>\s*<td>No</td>\s*"
        r"<td>2025-09-01</td>\s*<td>—</td>",
        listing,
    )
    page = (await client.get(response.headers["location"], headers=HTML)).text
    assert '<option value="live" selected>' in page
    assert '<option value="web" selected>web</option>' in page
    assert 'value="1234.50"' in page
    assert '<option value="false" selected>No</option>' in page
    assert f"<dd>{campaign.code}</dd>" in page
    assert "<dd>AUTUMN</dd>" in page
    assert "<legend>Flags</legend>" in page
    (entry,) = await log(client.app)  # type: ignore[arg-type]
    assert {c["field"]: c["new"] for c in entry.changes} == {
        "name": "Autumn",
        "status": "live",
        "channel": "web",
        "budget": "1234.50",
        "ratio": 0.25,
        "active": True,
        "featured": False,
        "starts": "2025-09-01",
    }
    blank = {**data, "featured": "", "ratio": "", "starts": ""}
    await client.post(response.headers["location"], data=blank)
    async with database.transaction() as db:
        campaign = (await db.scalars(select(Campaign))).one()
    assert (campaign.featured, campaign.ratio, campaign.starts) == (None, None, None)


async def test_a_foreign_key_is_a_select_of_the_related_rows(client: AsyncTestClient) -> None:
    """The question of a choice is chosen among the questions, by label, from an empty
    start; nothing, or another value, is refused."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    page = (await client.get("/admin/polls/choice/add", headers=HTML)).text
    assert re.search(
        rf'<select id="id_question_id" name="question_id" required>\s*<option value="">—</option>'
        rf'<option value="{question.id}">What&#39;s up\?</option>',
        page,
    )
    data = {"question_id": "", "choice_text": "Maybe", "votes": "0"}
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        response = await client.post("/admin/polls/choice/add", data=data)
    assert response.status_code == 422
    errors = rendered.context("admin/change_form.html")["form"].errors
    assert errors == {"question_id": ["This field is required."]}
    data["question_id"] = str(question.id + 100)
    response = await client.post("/admin/polls/choice/add", data=data)
    assert response.status_code == 422
    data["question_id"] = str(question.id)
    assert (await client.post("/admin/polls/choice/add", data=data)).status_code == 303
    assert await count(client.app, Choice) == 3  # type: ignore[arg-type]


# -- delete, history, recent actions ----------------------------------------------------------


async def test_deleting_asks_first_then_removes_the_row_and_its_choices(
    client: AsyncTestClient,
) -> None:
    """The confirmation lists the choices that go with the question; the post deletes all
    three and logs the question's last values."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    path = f"/admin/polls/question/{question.id}/delete"
    page = (await client.get(path, headers=HTML)).text
    assert "Are you sure you want to delete the question “What&#39;s up?”?" in page
    assert re.search(r"<li>Choices: 2</li>", page)
    assert '<span class="kind">Choice:</span> The sky' in page
    response = await client.post(path)
    assert response.headers["location"] == "/admin/polls/question"
    assert (await count(client.app, Question), await count(client.app, Choice)) == (0, 0)  # type: ignore[arg-type]
    (entry,) = await log(client.app)  # type: ignore[arg-type]
    assert entry.action == "delete"
    assert {"field": "question_text", "old": "What's up?", "new": None} in entry.changes


async def test_history_shows_each_change_and_outlives_the_row(client: AsyncTestClient) -> None:
    """The history page lists additions, changes (old → new) and the deletion, also after the
    row is gone; the index's recent actions link to rows that still exist."""
    await sign_in(client)
    data = {"question_text": "First", "pub_date": "2025-01-01T00:00", "_continue": ""}
    location = (await client.post("/admin/polls/question/add", data=data)).headers["location"]
    pk = location.split("/")[-2]
    await client.post(location, data={**data, "question_text": "Second"})
    history = f"/admin/polls/question/{pk}/history"
    page = (await client.get(history, headers=HTML)).text
    assert "<td>Added</td>" in page
    assert "<del>First</del> → <ins>Second</ins>" in page
    index = (await client.get("/admin/", headers=HTML)).text
    assert f'href="/admin/polls/question/{pk}/change">Second</a>' in index
    await client.post(f"/admin/polls/question/{pk}/delete")
    page = (await client.get(history, headers=HTML)).text
    assert "<td>Deleted</td>" in page
    assert "Change history: Second" in page
    index = (await client.get("/admin/", headers=HTML)).text
    assert "<span>Second</span>" in index  # deleted: no link


# -- CSRF, templates, markup --------------------------------------------------------------------


async def test_a_cross_site_post_is_refused(client: AsyncTestClient) -> None:
    """A post from another site is refused by the CSRF battery before the admin sees it."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    as_browser(client, site="cross-site")
    for path in [
        "/admin/polls/question/add",
        f"/admin/polls/question/{question.id}/change",
        f"/admin/polls/question/{question.id}/delete",
    ]:
        response = await client.post(path, data={"question_text": "Pwned"})
        assert response.status_code == 403, path
    assert await count(client.app, Question) == 1  # type: ignore[arg-type]
    assert await log(client.app) == []  # type: ignore[arg-type]


async def test_every_form_carries_the_csrf_token(client: AsyncTestClient) -> None:
    """Each post form of the pages has the CSRF battery's hidden input."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    for page in PAGES:
        html = (await client.get(page.format(id=question.id), headers=HTML)).text
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms, page
        assert all('name="csrf_token"' in form for form in forms), page


async def test_pages_hold_under_the_default_csp(client: AsyncTestClient) -> None:
    """No inline script, style element or style attribute; the stylesheet is fingerprinted,
    served, and the policy is the default one."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    stylesheets = set()
    for page in PAGES:
        response = await client.get(page.format(id=question.id), headers=HTML)
        assert csp_of(response)["default-src"] == "'self'"
        assert "script-src" not in csp_of(response)
        scripts = re.findall(r"<script[^>]*>", response.text)
        assert all(
            re.fullmatch(r'<script src="/static/admin/[a-z]+\.[0-9a-f]{12}\.js" defer>', tag)
            for tag in scripts
        )
        assert "<style" not in response.text
        assert " style=" not in response.text
        stylesheets.update(re.findall(r'<link rel="stylesheet" href="([^"]+)">', response.text))
    (stylesheet,) = stylesheets
    assert re.fullmatch(r"/static/admin/admin\.[0-9a-f]{12}\.css", stylesheet)
    css = await client.get(stylesheet)
    assert css.status_code == 200
    assert "prefers-color-scheme: dark" in css.text
    assert ":focus-visible" in css.text


async def test_every_input_has_a_label(client: AsyncTestClient) -> None:
    """Each visible input, select and textarea of the forms has a <label for=...>."""
    question = await add_question(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    for path in [
        "/admin/polls/question",
        "/admin/polls/campaign/add",
        f"/admin/polls/question/{question.id}/change",
    ]:
        html = (await client.get(path, headers=HTML)).text
        ids = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html
        )
        assert ids, path
        for found in ids:
            assert f'<label for="{found}">' in html, (path, found)


async def test_a_project_overrides_a_page_for_one_model(
    client: AsyncTestClient, admin_folder: Path
) -> None:
    """admin/<label>/<model>/change_list.html in the project's folder wins for that model
    only."""
    override = admin_folder / "admin" / "polls" / "choice" / "change_list.html"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(
        '{% extends "admin/change_list.html" %}{% block title %}Our choices{% endblock %}'
    )
    try:
        await sign_in(client)
        choices = await client.get("/admin/polls/choice", headers=HTML)
        questions = await client.get("/admin/polls/question", headers=HTML)
    finally:
        override.unlink()
    assert "<title>Our choices · Polls admin</title>" in choices.text
    assert "<title>Questions · Polls admin</title>" in questions.text
