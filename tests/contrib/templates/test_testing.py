"""schooner.contrib.templates.testing: which templates a request rendered, with what."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest

from schooner import App
from schooner.contrib.forms import Field, Form, Forms
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.contrib.templates.testing import record_templates
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient


class PostForm(Form):
    title: Annotated[str, Field(min_length=3)]


def blog_app(tmp_path: Path) -> App:
    """A page with a form that is shown again, with its errors, when invalid."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "post_form.html").write_text(
        '{% import "forms/macros.html" as forms %}<form>{{ forms.fields(form) }}</form>'
    )
    (folder / "done.html").write_text("Saved {{ title }}.")
    app = App(components=[Templates(folder), Forms()])

    @app.post("/posts")
    async def create(form: PostForm) -> TemplateResponse:
        if not form.is_valid:
            return TemplateResponse("post_form.html", {"form": form}, status_code=422)
        return TemplateResponse(["missing.html", "done.html"], {"title": form.title})

    return app


def test_an_invalid_form_is_seen_in_the_context(tmp_path: Path) -> None:
    """The recorded context holds the form object with its errors."""
    app = blog_app(tmp_path)
    with TestClient(app) as client, record_templates(app) as rendered:
        response = client.post("/posts", data={"title": "ab"})
    assert response.status_code == 422
    assert rendered.names == ["post_form.html"]
    form = rendered.context("post_form.html")["form"]
    assert form.errors == {"title": ["Enter at least 3 characters."]}


def test_the_chosen_template_of_several_is_named(tmp_path: Path) -> None:
    """When a response names several templates, the one rendered is recorded."""
    app = blog_app(tmp_path)
    with TestClient(app) as client, record_templates(app) as rendered:
        client.post("/posts", data={"title": "Tides"})
    assert rendered.names == ["done.html"]
    assert rendered.context("done.html")["title"] == "Tides"
    assert "request" in rendered.context("done.html")


def test_error_pages_are_recorded_too(tmp_path: Path) -> None:
    """A browser's 404 page is rendered from a template, and shows up."""
    app = blog_app(tmp_path)
    with TestClient(app) as client, record_templates(app) as rendered:
        client.get("/nowhere", headers={"accept": "text/html"})
    assert rendered.names == ["errors/error.html"]
    assert rendered.context("errors/error.html")["status"] == 404


def test_recording_stops_with_the_block(tmp_path: Path) -> None:
    """Renders after the block are not recorded; a missing name is a LookupError."""
    app = blog_app(tmp_path)
    with TestClient(app) as client:
        with record_templates(app) as rendered:
            pass
        client.post("/posts", data={"title": "Tides"})
    assert len(rendered) == 0
    with pytest.raises(LookupError, match="rendered: nothing"):
        rendered.context("done.html")


def test_an_app_without_templates_is_refused() -> None:
    """record_templates() on an app without the component says so."""
    with pytest.raises(ImproperlyConfigured, match="no Templates component"):
        record_templates(App()).__enter__()
