"""The change list's bulk actions: delete selected (with its preview), custom actions,
permissions, the audit log and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from schooner import App
from schooner.contrib.admin import Action, ModelAdmin
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.orm import Database
from schooner.contrib.templates.testing import record_templates
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import sign_in
from .polls import Campaign, CampaignNote, Choice, Question, reset_votes
from .test_changelist import HTML, fill
from .test_pages import count, log

QUESTIONS = "/admin/polls/question"
CHOICES = "/admin/polls/choice"


async def rows(app: App, model: type[Any]) -> list[Any]:
    """Every row of ``model``, by key."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        return list(await db.scalars(select(model).order_by(model.id)))  # type: ignore[attr-defined]


async def test_the_list_offers_the_actions_the_user_may_run(client: AsyncTestClient) -> None:
    """A superuser gets checkboxes and every action; a user who may change but not delete
    gets the change actions only; a user who may only view gets no checkboxes."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        html = (await client.get(CHOICES, headers=HTML)).text
    assert rendered.context("admin/change_list.html")["actions"] == [
        ("delete_selected", "Delete selected choices"),
        ("reset_votes", "Reset votes"),
        ("drop", "Drop unvoted"),
    ]
    assert html.count('name="_selected"') == 12
    assert '<label for="select-page">All 12 on this page</label>' in html
    await sign_in(
        client, "editor@polls.example", superuser=False, permissions=("polls.change_choice",)
    )
    with record_templates(client.app) as rendered:  # type: ignore[arg-type]
        await client.get(CHOICES, headers=HTML)
    assert rendered.context("admin/change_list.html")["actions"] == [("reset_votes", "Reset votes")]
    await sign_in(
        client, "viewer@polls.example", superuser=False, permissions=("polls.view_choice",)
    )
    html = (await client.get(CHOICES, headers=HTML)).text
    assert 'name="_selected"' not in html
    assert "/admin/polls/choice/actions" not in html


async def test_a_custom_action_changes_the_rows_and_logs_each(client: AsyncTestClient) -> None:
    """The action runs on the checked rows only, its message is shown, each changed row
    gets a log entry with its diff, and the browser goes back to the same list."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    choices = await rows(client.app, Choice)  # type: ignore[arg-type]
    voted = [c for c in choices if c.votes][:2]
    unvoted = next(c for c in choices if not c.votes)
    data = {
        "action": "reset_votes",
        "_selected": [str(c.id) for c in [*voted, unvoted]],
        "_list": "?q=answer&o=votes",
    }
    response = await client.post(f"{CHOICES}/actions", data=data)
    assert response.status_code == 303
    assert response.headers["location"] == f"{CHOICES}?q=answer&o=votes"
    after = {c.id: c.votes for c in await rows(client.app, Choice)}  # type: ignore[arg-type]
    assert [after[c.id] for c in voted] == [0, 0]
    assert sum(after.values()) == sum(c.votes for c in choices) - sum(c.votes for c in voted)
    entries = await log(client.app)  # type: ignore[arg-type]
    assert [(e.action, e.object_id) for e in entries] == [("change", str(c.id)) for c in voted]
    assert entries[0].changes == [{"field": "votes", "old": voted[0].votes, "new": 0}]
    page = await client.get(response.headers["location"], headers=HTML)
    assert "Votes reset on 3 choices." in page.text


async def test_select_all_on_the_page(client: AsyncTestClient) -> None:
    """ "All on this page" acts on the page's rows (five questions), not on other pages."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    html = (await client.get(QUESTIONS, headers=HTML)).text
    assert html.count('name="_page"') == 5
    page = [str(q.id) for q in await rows(client.app, Question)][-5:]  # type: ignore[arg-type]
    data = {"action": "delete_selected", "_select_page": "1", "_page": page, "_confirm": "yes"}
    response = await client.post(f"{QUESTIONS}/actions", data=data)
    assert response.status_code == 303
    assert await count(client.app, Question) == 7  # type: ignore[arg-type]
    assert await count(client.app, Choice) == 7  # type: ignore[arg-type]


async def test_delete_selected_previews_then_deletes(any_client: AsyncTestClient) -> None:
    """The first post shows what goes (the questions and their choices) and deletes
    nothing; the confirming post deletes them, logs each and says how many."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    questions = (await rows(any_client.app, Question))[:3]  # type: ignore[arg-type]
    data = {"action": "delete_selected", "_selected": [str(q.id) for q in questions]}
    with record_templates(any_client.app) as rendered:  # type: ignore[arg-type]
        response = await any_client.post(f"{QUESTIONS}/actions", data={**data, "_list": "p=2"})
    assert response.status_code == 200
    context = rendered.context("admin/delete_selected_confirmation.html")
    assert context["summary"] == [("questions", 3), ("choices", 3)]
    assert context["allowed"] is True
    assert 'name="_confirm" value="yes"' in response.text
    assert await count(any_client.app, Question) == 12  # type: ignore[arg-type]
    response = await any_client.post(
        f"{QUESTIONS}/actions", data={**data, "_confirm": "yes", "_list": "p=2"}
    )
    assert (response.status_code, response.headers["location"]) == (303, f"{QUESTIONS}?p=2")
    assert await count(any_client.app, Question) == 9  # type: ignore[arg-type]
    assert await count(any_client.app, Choice) == 9  # type: ignore[arg-type]
    entries = await log(any_client.app)  # type: ignore[arg-type]
    assert sorted(e.object_repr for e in entries) == sorted(q.question_text for q in questions)
    assert {e.action for e in entries} == {"delete"}
    page = await any_client.get(response.headers["location"], headers=HTML)
    assert "Deleted 3 questions." in page.text


async def test_delete_selected_stops_at_protected_rows(any_client: AsyncTestClient) -> None:
    """A campaign with notes cannot go: the preview names the note, offers no button, and
    a confirming post is refused with 409, deleting nothing."""
    database = any_client.app.component(Database)  # type: ignore[union-attr]
    assert database is not None
    async with database.transaction() as db:
        kept, free = Campaign(name="kept", budget=1), Campaign(name="free", budget=1)
        db.add_all([kept, free])
        await db.flush()
        db.add(CampaignNote(campaign_id=kept.id, text="A note"))
    await sign_in(any_client)
    data = {"action": "delete_selected", "_selected": [str(kept.id), str(free.id)]}
    response = await any_client.post("/admin/polls/campaign/actions", data=data)
    assert response.status_code == 200
    assert "Campaign note:</span> campaign note" in response.text
    assert "Yes, delete" not in response.text
    confirm = {**data, "_confirm": "yes"}
    response = await any_client.post("/admin/polls/campaign/actions", data=confirm)
    assert response.status_code == 409
    assert await count(any_client.app, Campaign) == 2  # type: ignore[arg-type]
    assert await log(any_client.app) == []  # type: ignore[arg-type]


async def test_an_action_the_database_refuses_changes_nothing(any_client: AsyncTestClient) -> None:
    """Giving two questions the same (unique) text fails: nothing is kept, nothing logged,
    and the page says so."""
    await fill(any_client.app)  # type: ignore[arg-type]
    await sign_in(any_client)
    ids = [str(q.id) for q in (await rows(any_client.app, Question))[:2]]  # type: ignore[arg-type]
    response = await any_client.post(
        f"{QUESTIONS}/actions", data={"action": "same_text", "_selected": ids}
    )
    assert response.status_code == 303
    assert "Same" not in texts_of(await rows(any_client.app, Question))  # type: ignore[arg-type]
    assert await log(any_client.app) == []  # type: ignore[arg-type]
    page = await any_client.get(response.headers["location"], headers=HTML)
    assert "nothing was changed" in page.text
    one = {"action": "same_text", "_selected": ids[:1]}
    assert (await any_client.post(f"{QUESTIONS}/actions", data=one)).status_code == 303
    assert "Same" in texts_of(await rows(any_client.app, Question))  # type: ignore[arg-type]


def texts_of(questions: list[Question]) -> list[str]:
    """The questions' texts."""
    return [q.question_text for q in questions]


async def test_an_action_that_deletes_is_logged_as_deletion(client: AsyncTestClient) -> None:
    """Rows a custom action deletes get a "delete" entry with their last values."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    choices = await rows(client.app, Choice)  # type: ignore[arg-type]
    data = {"action": "drop", "_selected": [str(c.id) for c in choices[:3]]}
    assert (await client.post(f"{CHOICES}/actions", data=data)).status_code == 303
    gone = [c for c in choices[:3] if not c.votes]
    assert await count(client.app, Choice) == 12 - len(gone)  # type: ignore[arg-type]
    entries = await log(client.app)  # type: ignore[arg-type]
    assert [(e.action, e.object_id) for e in entries] == [("delete", str(c.id)) for c in gone]


@pytest.mark.parametrize(
    ("permissions", "action", "status"),
    [
        (("polls.change_choice",), "delete_selected", 403),
        (("polls.change_choice",), "drop", 403),
        (("polls.view_choice",), "reset_votes", 403),
        (("polls.view_choice", "polls.delete_choice"), "drop", 303),
        (("polls.delete_choice",), "drop", 403),  # the list itself needs view
    ],
)
async def test_actions_need_their_permission(
    client: AsyncTestClient, permissions: tuple[str, ...], action: str, status: int
) -> None:
    """An action the user may not run is refused with 403, changing nothing."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(client, "staff@polls.example", superuser=False, permissions=permissions)
    choices = await rows(client.app, Choice)  # type: ignore[arg-type]
    data = {"action": action, "_selected": [str(c.id) for c in choices], "_confirm": "yes"}
    response = await client.post(f"{CHOICES}/actions", data=data)
    assert response.status_code == status
    if status == 403:
        assert await count(client.app, Choice) == 12  # type: ignore[arg-type]
        assert await log(client.app) == []  # type: ignore[arg-type]


async def test_bad_posts_are_refused_or_ignored(client: AsyncTestClient) -> None:
    """An unknown action is a 400; no row (or only keys that name none) goes back with a
    note; a post from another site is refused by the CSRF battery."""
    await fill(client.app)  # type: ignore[arg-type]
    await sign_in(client)
    for action in ["", "nope", "DELETE_SELECTED"]:
        response = await client.post(f"{CHOICES}/actions", data={"action": action})
        assert response.status_code == 400, action
    data = {"action": "reset_votes", "_selected": ["abc", "99999", "-1", "1e3", str(2**70)]}
    response = await client.post(f"{CHOICES}/actions", data=data)
    assert (response.status_code, response.headers["location"]) == (303, CHOICES)
    page = await client.get(CHOICES, headers=HTML)
    assert "Select the choices to act on first." in page.text
    as_browser(client, site="cross-site")
    response = await client.post(f"{CHOICES}/actions", data={"action": "reset_votes"})
    assert response.status_code == 403
    assert await log(client.app) == []  # type: ignore[arg-type]


def test_action_checks_its_parts() -> None:
    """An action needs a title, an async function, a known permission and a usable name;
    a model's actions have distinct names."""

    def plain(db: Any, objects: list[Any]) -> None:
        """Not async."""

    cases: list[tuple[tuple[Any, ...], dict[str, Any], str]] = [
        (("", reset_votes), {}, "the title"),
        (("T", plain), {}, "async function"),
        (("T", reset_votes), {"permission": "publish"}, "permission is one of"),
        (("T", reset_votes), {"name": "Bad Name"}, "not a usable form value"),
        (("T", reset_votes), {"name": "delete_selected"}, "not a usable form value"),
    ]
    for args, options, message in cases:
        with pytest.raises(ImproperlyConfigured, match=message):
            Action(*args, **options)
    twice = [Action("A", reset_votes), Action("B", reset_votes)]
    with pytest.raises(ImproperlyConfigured, match="two actions are named alike"):
        ModelAdmin(Choice, actions=twice)
    with pytest.raises(ImproperlyConfigured, match="actions holds"):
        ModelAdmin(Choice, actions=[reset_votes])  # type: ignore[list-item]
