"""What the database decides, on every backend: unique values, cascades and protected rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from schooner import App
from schooner.contrib.admin import LogEntry
from schooner.contrib.orm import Database
from schooner.contrib.templates.testing import record_templates
from schooner.testing import AsyncTestClient

from .conftest import sign_in
from .polls import Campaign, CampaignNote, Choice, Question, QuestionRemark

HTML = {"Accept": "text/html"}


async def rows(app: App, model: type[object]) -> int:
    """How many rows ``model`` has."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def add(app: App, *objects: object) -> None:
    """Store ``objects`` directly."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        db.add_all(objects)


async def test_a_taken_unique_value_is_an_error_on_its_field(any_client: AsyncTestClient) -> None:
    """Adding or renaming to a question text that exists is refused by the database and
    shown on the field (409), not as a server error; the page can be saved again."""
    app: App = any_client.app  # type: ignore[assignment]
    first = Question(question_text="Taken", pub_date=datetime(2025, 1, 1, tzinfo=UTC))
    second = Question(question_text="Free", pub_date=datetime(2025, 1, 2, tzinfo=UTC))
    await add(app, first, second)
    await sign_in(any_client)
    data = {"question_text": "Taken", "pub_date": "2025-02-01T00:00"}
    with record_templates(app) as rendered:
        response = await any_client.post("/admin/polls/question/add", data=data)
    assert response.status_code == 409
    form = rendered.context("admin/change_form.html")["form"]
    assert form.errors == {"question_text": ["A question with this Question text already exists."]}
    path = f"/admin/polls/question/{second.id}/change"
    with record_templates(app) as rendered:
        response = await any_client.post(path, data=data)
    assert response.status_code == 409
    assert "A question with this Question text already exists." in response.text
    assert rendered.context("admin/change_form.html")["title"] == "Free"
    data["question_text"] = "Still free"
    assert (await any_client.post(path, data=data)).status_code == 303
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        entries = list(await db.scalars(select(LogEntry)))
    assert [e.action for e in entries] == ["change"]  # the refused saves left no trace


async def test_deleting_a_question_previews_and_removes_its_choices(
    any_client: AsyncTestClient,
) -> None:
    """The preview lists each choice (ORM and database cascades agree) but not the remark,
    whose key is set to NULL; the deletion removes the question and its choices, and
    unlinks the remark."""
    app: App = any_client.app  # type: ignore[assignment]
    doomed = Question(question_text="Doomed", pub_date=datetime(2025, 1, 1, tzinfo=UTC))
    doomed.choices = [Choice(choice_text=f"Choice {n}") for n in range(3)]
    kept = Question(question_text="Kept", pub_date=datetime(2025, 1, 1, tzinfo=UTC))
    kept.choices = [Choice(choice_text="Stays")]
    await add(app, doomed, kept)
    await add(app, QuestionRemark(question_id=doomed.id, text="Unlinked, not deleted"))
    await sign_in(any_client)
    path = f"/admin/polls/question/{doomed.id}/delete"
    with record_templates(app) as rendered:
        await any_client.get(path, headers=HTML)
    context = rendered.context("admin/delete_confirmation.html")
    assert context["allowed"] is True
    assert context["summary"] == [("questions", 1), ("choices", 3)]
    assert sorted(child.label for child in context["preview"].root.children) == [
        "Choice 0",
        "Choice 1",
        "Choice 2",
    ]
    assert (await any_client.post(path)).status_code == 303
    assert (await rows(app, Question), await rows(app, Choice)) == (1, 1)
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        remark = (await db.scalars(select(QuestionRemark))).one()
    assert remark.question_id is None


async def test_a_row_others_still_refer_to_cannot_be_deleted(any_client: AsyncTestClient) -> None:
    """A campaign with notes (a foreign key without cascade): the page names the notes and
    offers no button, and a post is refused (409) with the campaign kept."""
    app: App = any_client.app  # type: ignore[assignment]
    campaign = Campaign(name="Kept", budget=1)
    await add(app, campaign)
    await add(app, CampaignNote(campaign_id=campaign.id, text="Remember"))
    await sign_in(any_client)
    path = f"/admin/polls/campaign/{campaign.id}/delete"
    page = (await any_client.get(path, headers=HTML)).text
    assert "cannot be deleted" in page
    assert '<span class="kind">Campaign note:</span> campaign note ' in page
    assert "Yes, delete" not in page
    assert (await any_client.post(path)).status_code == 409
    assert await rows(app, Campaign) == 1


async def test_deleting_needs_the_permission_on_what_cascades(any_client: AsyncTestClient) -> None:
    """A user who may delete questions but not choices cannot delete a question with choices;
    one without choices they can."""
    app: App = any_client.app  # type: ignore[assignment]
    with_choices = Question(question_text="Has", pub_date=datetime(2025, 1, 1, tzinfo=UTC))
    with_choices.choices = [Choice(choice_text="One")]
    alone = Question(question_text="Alone", pub_date=datetime(2025, 1, 1, tzinfo=UTC))
    await add(app, with_choices, alone)
    await sign_in(any_client, superuser=False, permissions=("polls.delete_question",))
    path = f"/admin/polls/question/{with_choices.id}/delete"
    page = (await any_client.get(path, headers=HTML)).text
    assert "your account may not delete these: choices" in page
    assert (await any_client.post(path)).status_code == 409
    response = await any_client.post(f"/admin/polls/question/{alone.id}/delete")
    assert response.status_code == 303
    assert await rows(app, Question) == 1


async def test_a_value_the_database_cannot_store_is_a_form_error(
    any_client: AsyncTestClient, backend: str
) -> None:
    """A budget beyond NUMERIC(10, 2) is refused by PostgreSQL and MariaDB: the form says
    so (422) and nothing is stored; SQLite stores any number."""
    app: App = any_client.app  # type: ignore[assignment]
    await sign_in(any_client)
    data = {"name": "Big", "status": "live", "channel": "web", "budget": "123456789012.34"}
    response = await any_client.post("/admin/polls/campaign/add", data=data)
    if backend == "sqlite":
        assert response.status_code == 303
        return
    assert response.status_code == 422
    assert "A value cannot be stored" in response.text
    assert await rows(app, Campaign) == 0
