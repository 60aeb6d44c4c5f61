"""The dashboard: ``Admin(dashboard=[Panel(...)])`` adds the project's panels to the index."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from schooner import App
from schooner.contrib.admin import Admin, Panel
from schooner.contrib.auth import Identity
from schooner.contrib.orm import AsyncSession
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import sign_in, started
from .polls import Question
from .test_inlines import stored_question

HTML = {"Accept": "text/html"}


async def question_count(db: AsyncSession, identity: Identity) -> Mapping[str, Any]:
    """How many questions there are, and who asks."""
    count = await db.scalar(select(func.count()).select_from(Question))
    assert identity.user is not None
    return {"count": count, "who": identity.user.email}


@pytest_asyncio.fixture
async def dashboard(
    make_app: Callable[..., App], admin_folder: Path
) -> AsyncIterator[AsyncTestClient]:
    """The polls site with two panels: one for every staff user, one behind a permission."""
    folder = Path(admin_folder) / "polls"
    folder.mkdir(exist_ok=True)
    (folder / "count_panel.html").write_text(
        '<p class="count">{{ data.count }} questions, for {{ data.who }} ({{ panel.title }}).</p>\n'
    )
    (folder / "secret_panel.html").write_text("<p>The secret figures.</p>\n")
    panels = [
        Panel("Questions asked", "polls/count_panel.html", context=question_count),
        Panel("Secrets", "polls/secret_panel.html", permission="polls.delete_question"),
    ]
    async for made in started(make_app(dashboard=panels)):
        yield made


async def test_the_index_shows_the_panels(dashboard: AsyncTestClient) -> None:
    """Each panel is a titled section of the index with its template and its data."""
    app: App = dashboard.app  # type: ignore[assignment]
    await stored_question(app, "Red")
    await sign_in(dashboard)
    page = (await dashboard.get("/admin/", headers=HTML)).text
    assert '<section class="module panel" aria-labelledby="panel-1">' in page
    assert '<h2 id="panel-1">Questions asked</h2>' in page
    assert '<p class="count">1 questions, for admin@polls.example (Questions asked).</p>' in page
    assert '<h2 id="panel-2">Secrets</h2>' in page
    assert "The secret figures." in page
    assert "Recent actions" in page


async def test_a_panel_behind_a_permission_is_left_out(dashboard: AsyncTestClient) -> None:
    """A staff user without the panel's permission does not see it; the others remain."""
    await sign_in(
        dashboard, "viewer@polls.example", superuser=False, permissions=("polls.view_question",)
    )
    page = (await dashboard.get("/admin/", headers=HTML)).text
    assert "0 questions, for viewer@polls.example" in page
    assert "Secrets" not in page
    assert "secret figures" not in page


async def test_without_panels_the_index_is_as_before(client: AsyncTestClient) -> None:
    await sign_in(client)
    page = (await client.get("/admin/", headers=HTML)).text
    assert "panel" not in page


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Panel("", "a.html"), "title is a non-empty string"),
        (lambda: Panel("A", ""), "template is a non-empty string"),
        (lambda: Panel("A", "a.html", context=lambda db, i: {}), "context is an async"),  # type: ignore[arg-type,return-value]
        (lambda: Panel("A", "a.html", permission="view"), "permission is '<label>.<codename>'"),
        (lambda: Admin(dashboard="a.html"), r"dashboard=\.\.\.\) is a list of Panel"),  # type: ignore[arg-type]
        (lambda: Admin(dashboard=["a.html"]), "holds 'a.html', not a Panel"),  # type: ignore[list-item]
    ],
)
def test_panels_check_their_options(make: Callable[[], Any], message: str) -> None:
    """Wrong panel options stop the app at once, saying what to write."""
    with pytest.raises(ImproperlyConfigured, match=message):
        make()
