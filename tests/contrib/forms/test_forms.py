"""The forms battery: typed declarations, validation messages, binding and rendering."""

from __future__ import annotations

import datetime
import decimal
import enum
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import pytest

from schooner import App, RedirectResponse
from schooner.contrib.forms import Field, Form, Forms
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.datastructures import FormData, UploadFile
from schooner.exceptions import ValidationError
from schooner.testing import TestClient


class Topic(enum.Enum):
    NEWS = "news"
    HOW_TO = "howto"


class PostForm(Form):
    title: Annotated[str, Field(min_length=3, max_length=40, help_text="Keep it short.")]
    body: Annotated[str, Field(widget="textarea", min_length=10)]
    topic: Topic
    rating: Annotated[int, Field(ge=1, le=5)] = 3
    colour: Annotated[str, Field(choices=[("r", "Red"), ("g", "Green")])] = "r"
    size: Literal["s", "m", "l"] = "m"
    tags: list[str] = []  # noqa: RUF012 - a field default, copied per form
    publish: bool = False
    contact_email: str | None = None


class AvatarForm(Form):
    nickname: str
    avatar: Annotated[UploadFile, Field(max_size=1000, content_types=["image/*"])]


VALID = {"title": "Hello", "body": "A long enough body.", "topic": "howto", "rating": "4"}


def test_valid_data_gives_typed_values() -> None:
    """Values are converted to their declared types and readable as attributes."""
    form = PostForm({**VALID, "tags": ["a", "b"], "publish": "on"})
    assert form.is_valid
    assert form.title == "Hello"
    assert form.topic is Topic.HOW_TO
    assert form.rating == 4
    assert form.publish is True
    assert form.contact_email is None
    assert form.to_dict()["tags"] == ["a", "b"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "ab"}, "title", "Enter at least 3 characters."),
        ({"title": "x" * 41}, "title", "Enter at most 40 characters."),
        ({"title": ""}, "title", "This field is required."),
        ({"body": None}, "body", "This field is required."),
        ({"topic": "gossip"}, "topic", "Select a valid choice."),
        ({"rating": "9"}, "rating", "Enter a number of at most 5."),
        ({"rating": "0"}, "rating", "Enter a number of at least 1."),
        ({"rating": "four"}, "rating", "Enter a whole number."),
        ({"colour": "b"}, "colour", "Select a valid choice."),
        ({"size": "xl"}, "size", "Select a valid choice."),
        ({"publish": "maybe"}, "publish", "Enter yes or no."),
    ],
)
def test_each_field_gets_a_readable_error(
    changes: dict[str, str | None], field: str, message: str
) -> None:
    """Every failing field is reported by name with a message a visitor understands."""
    data = {k: v for k, v in {**VALID, **changes}.items() if v is not None}
    form = PostForm(data)
    assert not form.is_valid
    assert form.errors == {field: [message]}


def test_all_errors_at_once() -> None:
    """Several bad fields are all reported, not only the first."""
    form = PostForm({"title": "x", "topic": "no"})
    assert set(form.errors) == {"title", "body", "topic"}


def test_unbound_and_initial() -> None:
    """An empty form is unbound and invalid; initial values pre-fill it."""
    empty = PostForm()
    assert not empty.is_bound
    assert not empty.is_valid
    assert empty.errors == {}
    filled = PostForm(initial={"title": "Draft", "topic": Topic.NEWS})
    assert filled["title"].value == "Draft"
    assert filled["topic"].is_selected("news")
    assert filled["rating"].value == 3


def test_own_checks_and_raise_for_errors() -> None:
    """add_error records extra problems; raise_for_errors turns them into a 422."""
    form = PostForm(VALID)
    form.add_error("title", "That title is taken.")
    form.add_error(None, "Try again later.")
    assert form.non_field_errors == ["Try again later."]
    assert "title" not in form.to_dict()
    with pytest.raises(ValidationError) as info:
        form.raise_for_errors()
    assert {"loc": ["body", "title"], "msg": "That title is taken.", "type": "invalid"} in (
        info.value.errors
    )


def test_prefix_separates_two_forms() -> None:
    """With a prefix, field names and ids are prefixed."""
    form = PostForm({"a-" + k: v for k, v in VALID.items()}, prefix="a-")
    assert form.is_valid
    assert form["title"].html_name == "a-title"
    assert form["title"].id == "id_a-title"


async def upload(name: str, data: bytes, content_type: str) -> UploadFile:
    file = UploadFile(name, content_type=content_type)
    await file.write(data)
    await file.seek(0)
    return file


async def test_file_fields_check_size_and_type() -> None:
    """Uploads over max_size or of another type are refused with a message."""
    files = [
        await upload("a.png", b"x" * 10, "image/png"),
        await upload("a.png", b"x" * 2000, "image/png"),
        await upload("a.pdf", b"%PDF", "application/pdf"),
    ]
    try:
        good, big, pdf = (FormData([("nickname", "ada"), ("avatar", f)]) for f in files)
        assert AvatarForm(good).is_valid
        assert "too large" in AvatarForm(big).errors["avatar"][0]
        assert AvatarForm(pdf).errors["avatar"] == [
            "Files of type application/pdf are not accepted."
        ]
        missing = FormData([("nickname", "ada")])
        assert AvatarForm(missing).errors["avatar"] == ["Choose a file."]
    finally:
        for file in files:
            await file.close()


def test_html_attributes_mirror_the_constraints() -> None:
    """Browsers get required/minlength/max… and accessibility links to hints and errors."""
    form = PostForm({"title": "x"})
    title = form["title"].attributes()
    assert title["required"] is True
    assert (title["minlength"], title["maxlength"]) == ("3", "40")
    assert title["aria-invalid"] == "true"
    assert title["aria-describedby"] == "id_title_help id_title_errors"
    assert form["rating"].attributes() == {"min": "1", "max": "5"}
    assert form["contact_email"].widget == "email"
    assert form["topic"].widget == "select"
    assert AvatarForm()["avatar"].attributes()["accept"] == "image/*"


class MeasureForm(Form):
    price: decimal.Decimal
    at: datetime.datetime
    on: datetime.date | None = None


def test_decimals_are_numbers_with_any_step() -> None:
    """A Decimal field is a number input that takes fractions, converted exactly."""
    form = MeasureForm({"price": "12.50", "at": "2025-03-01T10:30:00"})
    assert form.is_valid, form.errors
    assert form.price == decimal.Decimal("12.50")
    assert form["price"].widget == "number"
    assert form["price"].attributes()["step"] == "any"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-01T10:30", datetime.datetime(2025, 3, 1, 10, 30)),
        ("2025-03-01T10:30:15", datetime.datetime(2025, 3, 1, 10, 30, 15)),
        ("2025-03-01T10:30:15.250", datetime.datetime(2025, 3, 1, 10, 30, 15, 250000)),
    ],
)
def test_datetime_local_values_are_read_with_or_without_seconds(
    raw: str, expected: datetime.datetime
) -> None:
    """What a datetime-local input sends (seconds left out when zero) is a valid datetime."""
    form = MeasureForm({"price": "1", "at": raw})
    assert form.is_valid, form.errors
    assert form.at == expected


@pytest.mark.parametrize("raw", ["2025-03-01T25:30", "2025-03-01 10:30x", "10:30"])
def test_a_malformed_datetime_is_a_readable_error(raw: str) -> None:
    """A value that is no date and time is refused with a sentence, not msgspec's message."""
    form = MeasureForm({"price": "1", "at": raw})
    assert form.errors == {"at": ["Enter a valid date and time."]}


# -- through the app -------------------------------------------------------------------------


def form_app(tmp_path: Path) -> App:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "post.html").write_text(
        '{% import "forms/macros.html" as forms %}'
        '<form method="post">{{ forms.fields(form) }}<button>Save</button></form>'
    )
    app = App(components=[Templates(folder), Forms()])

    @app.get("/posts/new")
    async def new_post() -> TemplateResponse:
        return TemplateResponse("post.html", {"form": PostForm(initial={"rating": 5})})

    @app.post("/posts/new")
    async def create_post(form: PostForm) -> TemplateResponse | RedirectResponse:
        if not form.is_valid:
            return TemplateResponse("post.html", {"form": form}, status_code=422)
        return RedirectResponse(f"/posts/{form.title}", 303)

    @app.post("/api/posts", status_code=201)
    async def api_post(form: PostForm) -> dict[str, object]:
        form.raise_for_errors()
        return {"title": form.title, "rating": form.rating}

    return app


def test_rendered_form_is_accessible(tmp_path: Path) -> None:
    """Every input has a label; initial values and constraints are in the markup."""
    with TestClient(form_app(tmp_path)) as client:
        page = client.get("/posts/new").text
    for name in ("title", "body", "topic", "rating", "colour", "size", "publish"):
        assert f'<label for="id_{name}">' in page
        assert f'id="id_{name}"' in page
    assert '<textarea id="id_body" name="body" required minlength="10">' in page
    assert 'name="rating" value="5"' in page
    assert '<option value="howto">How to</option>' in page
    assert "aria-invalid" not in page


def test_invalid_post_re_renders_with_errors_and_values(tmp_path: Path) -> None:
    """The same page comes back with a 422, the typed values kept, errors linked by id."""
    with TestClient(form_app(tmp_path)) as client:
        response = client.post(
            "/posts/new", data={"title": "<b>x</b>", "body": "short", "topic": "news"}
        )
    assert response.status_code == 422
    page = response.text
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in page  # escaped, kept
    assert 'id="id_title_errors"' not in page
    # A list in a role="alert" container: a <ul role="alert"> would no longer be a list.
    errors = '<div class="errors" id="id_body_errors" role="alert">\n  <ul><li>Enter at least 10'
    assert errors in page
    assert 'aria-invalid="true"' in page
    assert '<option value="news" selected>' in page


def test_valid_post_redirects(tmp_path: Path) -> None:
    """A valid form goes through."""
    with TestClient(form_app(tmp_path)) as client:
        response = client.post("/posts/new", data=VALID)
    assert response.status_code == 303
    assert response.headers["location"] == "/posts/Hello"


def test_same_form_class_accepts_json(tmp_path: Path) -> None:
    """An API route binds the class to a JSON body; errors are a 422 problem document."""
    with TestClient(form_app(tmp_path)) as client:
        ok = client.post("/api/posts", json={**VALID, "rating": 2})
        bad = client.post("/api/posts", json={"title": "x"})
        not_object = client.post("/api/posts", json=[1])
    assert ok.status_code == 201
    assert ok.json() == {"title": "Hello", "rating": 2}
    assert bad.status_code == 422
    locations = {tuple(e["loc"]) for e in bad.json()["errors"]}
    assert locations == {("body", "title"), ("body", "body"), ("body", "topic")}
    assert not_object.status_code == 400


def test_a_project_restyles_every_form(tmp_path: Path) -> None:
    """A forms/macros.html in the project's folder replaces the battery's."""
    app = form_app(tmp_path)
    (tmp_path / "templates" / "forms").mkdir()
    (tmp_path / "templates" / "forms" / "macros.html").write_text(
        "{% macro fields(form) %}{% for f in form %}[{{ f.name }}]{% endfor %}{% endmacro %}"
    )
    with TestClient(app) as client:
        page = client.get("/posts/new").text
    assert "[title][body]" in page
    assert "<label" not in page


class NewShip(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=30)]
    crew: Annotated[int, msgspec.Meta(ge=1)] = 5
    flag: str | None = None


def test_form_from_a_struct() -> None:
    """A Struct (e.g. a model's create schema) becomes a form class in one line."""
    ShipForm = Form.from_struct(NewShip, fields={"name": Field(label="Ship name")})
    assert ShipForm.__name__ == "NewShipForm"
    empty = ShipForm()
    assert empty["name"].label == "Ship name"
    assert empty["name"].attributes() == {"required": True, "minlength": "2", "maxlength": "30"}
    assert empty["crew"].value == 5
    assert ShipForm({"name": "X", "crew": "0"}).errors == {
        "name": ["Enter at least 2 characters."],
        "crew": ["Enter a number of at least 1."],
    }
    ok = ShipForm({"name": "Endeavour"})
    assert ok.to_dict() == {"name": "Endeavour", "crew": 5, "flag": None}
    with pytest.raises(TypeError, match="no field nope"):
        Form.from_struct(NewShip, fields={"nope": Field()})


def test_form_from_a_model_schema() -> None:
    """With the database battery: a model's columns (and lengths) make the form."""
    from contrib.orm.models import Ship
    from schooner.contrib.orm import schema_for

    ShipForm = Form.from_struct(schema_for(Ship, mode="create"))
    fields = ShipForm.fields()
    assert "id" not in fields  # read-only columns are not in create schemas
    assert "secret_code" not in fields  # private columns neither
    form = ShipForm()
    assert form["name"].required
    assert form["name"].attributes()["maxlength"] == "50"  # String(50)
    assert not form["captain"].required
