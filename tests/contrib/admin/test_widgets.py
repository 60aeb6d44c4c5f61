"""Custom widgets: ``ModelAdmin(widgets={"field": Widget(...)})`` redraws one edit field;
what is posted is parsed and checked as the column says."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from schooner import App
from schooner.contrib.admin import ModelAdmin, Widget
from schooner.contrib.orm import Database
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import sign_in, started
from .polls import Question
from .test_options import build

HTML = {"Accept": "text/html"}
QUESTIONS = ModelAdmin(
    Question,
    fields=["question_text", "pub_date", "details"],
    widgets={
        "details": Widget("textarea", attrs={"rows": 8, "spellcheck": True}),
        "question_text": Widget("search", attrs={"maxlength": 120, "placeholder": "Ask"}),
    },
)


@pytest_asyncio.fixture
async def widgets(make_app: Callable[..., App]) -> AsyncIterator[AsyncTestClient]:
    """The polls site with the questions' text fields redrawn."""
    async for made in started(make_app(models=[QUESTIONS])):
        yield made


async def questions(app: App) -> list[tuple[int, str, str | None]]:
    """Every question as (id, text, details)."""
    database = app.component(Database)
    assert database is not None
    async with database.transaction() as db:
        query = select(Question.id, Question.question_text, Question.details)
        return [tuple(row) for row in await db.execute(query.order_by(Question.id))]  # type: ignore[misc]


async def test_custom_widgets_render_and_round_trip(widgets: AsyncTestClient) -> None:
    """The add page draws the widgets' inputs with their attributes over the column's; a
    post saves through them and the change page shows the values in them again."""
    app: App = widgets.app  # type: ignore[assignment]
    await sign_in(widgets)
    page = (await widgets.get("/admin/polls/question/add", headers=HTML)).text
    assert '<div class="field field-textarea">' in page
    assert '<textarea id="id_details" name="details" rows="8" spellcheck></textarea>' in page, page
    assert '<label for="id_question_text">Question text' in page
    assert (
        '<input type="search" id="id_question_text" name="question_text" value="" required '
        'maxlength="120" placeholder="Ask">'
    ) in page
    data = {
        "question_text": "Favourite colour?",
        "pub_date": "2025-03-01T10:30",
        "details": "Line one\nLine two",
    }
    response = await widgets.post("/admin/polls/question/add", data=data)
    assert response.status_code == 303, response.text
    ((pk, text, details),) = await questions(app)
    assert (text, details) == ("Favourite colour?", "Line one\nLine two")
    change = (await widgets.get(f"/admin/polls/question/{pk}/change", headers=HTML)).text
    assert 'rows="8" spellcheck>Line one\nLine two</textarea>' in change
    assert 'name="question_text" value="Favourite colour?"' in change


async def test_the_column_still_checks_what_a_widget_posts(widgets: AsyncTestClient) -> None:
    """The widget's maxlength is markup only: the column's String(200) is what refuses,
    with the error drawn next to the custom input."""
    app: App = widgets.app  # type: ignore[assignment]
    await sign_in(widgets)
    data = {"question_text": "x" * 150, "pub_date": "2025-03-01T10:30", "details": ""}
    assert (await widgets.post("/admin/polls/question/add", data=data)).status_code == 303
    data["question_text"] = "y" * 201
    response = await widgets.post("/admin/polls/question/add", data=data, headers=HTML)
    assert response.status_code == 422
    assert '<div class="field field-search field-invalid">' in response.text
    assert 'id="id_question_text_errors"' in response.text
    assert [text for _, text, _ in await questions(app)] == ["x" * 150]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Widget("button"), "input is one of"),
        (lambda: Widget("text", attrs={"onclick": "x()"}), "the page sets 'onclick' itself"),
        (lambda: Widget("text", attrs={"name": "x"}), "the page sets 'name' itself"),
        (lambda: Widget("text", attrs={"Bad Name": "x"}), "is not an attribute name"),
        (lambda: Widget("text", attrs={"rows": None}), "takes a string, a number or a bool"),
    ],
)
def test_widget_checks_its_options(make: Callable[[], Widget], message: str) -> None:
    """An unknown input, or an attribute the page owns or cannot write, is refused."""
    with pytest.raises(ImproperlyConfigured, match=message):
        make()


def test_modeladmin_takes_a_mapping_of_widgets() -> None:
    """Widgets are a mapping of names to ``Widget`` s; the options stay a hashable value."""
    assert hash(QUESTIONS) == hash(QUESTIONS)
    assert hash(Widget("range", attrs={"min": 0})) == hash(Widget("range", attrs={"min": 1}))
    with pytest.raises(ImproperlyConfigured, match="widgets maps field names to Widget"):
        ModelAdmin(Question, widgets={"details": "textarea"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("widgets", "message"),
    [
        ({"nope": Widget("text")}, "widgets names 'nope', which is not a field edited"),
        ({"pub_date": Widget("text")}, "widgets names 'pub_date', which is not a field"),
    ],
)
def test_a_widget_on_a_field_it_cannot_draw_stops_the_build(
    tmp_path: Path, widgets: dict[str, Any], message: str
) -> None:
    """A widget names a field the edit page draws as one plain input."""
    with pytest.raises(ImproperlyConfigured, match=message):
        build(tmp_path, ModelAdmin(Question, widgets=widgets))
