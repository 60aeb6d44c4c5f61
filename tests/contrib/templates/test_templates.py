"""The templates battery: rendering, autoescaping, lookup order, helpers and errors."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from schooner import App, Request
from schooner.contrib.templates import (
    ContextProvider,
    TemplateFolders,
    TemplateResponse,
    Templates,
)
from schooner.exceptions import ImproperlyConfigured
from schooner.http import HTMLResponse
from schooner.testing import TestClient


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A project template folder with a base layout and a page."""
    project = tmp_path / "templates"
    write(
        project,
        "base.html",
        "<title>{% block title %}{% endblock %}</title>{% block body %}{% endblock %}",
    )
    write(
        project,
        "page.html",
        '{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}'
        "{% block body %}<p>{{ text }}</p>{% endblock %}",
    )
    return project


def test_autoescape_stops_script_injection(folder: Path) -> None:
    """A value with markup is escaped; |safe is the explicit way out."""
    write(folder, "both.html", "{{ value }}|{{ value|safe }}")
    app = App(components=[Templates(folder)])

    @app.get("/x")
    async def x() -> TemplateResponse:
        return TemplateResponse("both.html", {"value": "<script>alert(1)</script>"})

    with TestClient(app) as client:
        body = client.get("/x").text
    escaped, raw = body.split("|")
    assert escaped == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert raw == "<script>alert(1)</script>"


def test_autoescape_is_on_for_every_file_name(folder: Path) -> None:
    """Not only .html: a .txt or extension-less template escapes too."""
    write(folder, "note.txt", "{{ value }}")
    write(folder, "partial", "{{ value }}")
    app = App(components=[Templates(folder)])
    templates = app.component(Templates)
    assert templates is not None

    @app.get("/x")
    async def x(request: Request) -> str:
        first = await templates.render(request, "note.txt", {"value": "<b>"})
        second = await templates.render(request, "partial", {"value": "<b>"})
        return first + second

    with TestClient(app) as client:
        assert client.get("/x").text == "&lt;b&gt;&lt;b&gt;"


def test_template_response_from_sync_and_async_handlers(folder: Path) -> None:
    """A returned TemplateResponse renders with its status and headers; HEAD has no body."""
    app = App(components=[Templates(folder)])

    @app.get("/async")
    async def from_async() -> TemplateResponse:
        return TemplateResponse("page.html", {"title": "T", "text": "async"})

    @app.get("/sync")
    def from_sync() -> TemplateResponse:
        return TemplateResponse(
            "page.html", {"title": "T", "text": "sync"}, status_code=201, headers={"x-a": "1"}
        )

    with TestClient(app) as client:
        response = client.get("/async")
        assert response.text == "<title>T</title><p>async</p>"
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert response.headers["content-length"] == str(len(response.content))
        created = client.get("/sync")
        assert (created.status_code, created.headers["x-a"]) == (201, "1")
        assert created.text.endswith("<p>sync</p>")
        head = client.head("/async")
        assert head.content == b""
        assert head.headers["content-length"] == str(len(response.content))


def test_injected_templates_render_a_response(folder: Path) -> None:
    """Handlers can ask for Templates and build the response themselves."""
    app = App(components=[Templates(folder)])

    @app.get("/x")
    async def x(request: Request, templates: Templates) -> HTMLResponse:
        return await templates.response(
            request,
            ["missing.html", "page.html"],
            {"title": "first found", "text": ""},
            status_code=202,
        )

    with TestClient(app) as client:
        response = client.get("/x")
    assert response.status_code == 202
    assert "<title>first found</title>" in response.text


class Blog:
    """A component shipping its own templates."""

    name = "blog"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def setup(self, app: App) -> None:
        """Nothing to set up: the templates battery finds the folder."""

    def template_folders(self) -> list[Path]:
        return [self.folder]


def test_project_overrides_a_component_template(tmp_path: Path, folder: Path) -> None:
    """Same name in the project folder wins; other component templates are still found."""
    component = tmp_path / "blog_templates"
    write(component, "blog/post.html", "component post")
    write(component, "blog/list.html", "component list")
    write(folder, "blog/post.html", "project post")
    app = App(components=[Blog(component), Templates(folder)])
    assert isinstance(Blog(component), TemplateFolders)

    @app.get("/{name}")
    async def show(name: str) -> TemplateResponse:
        return TemplateResponse(f"blog/{name}.html")

    with TestClient(app) as client:
        assert client.get("/post").text == "project post"
        assert client.get("/list").text == "component list"


def test_helpers_in_every_template(folder: Path) -> None:
    """request, url_for and context values (a provider component's and the app's) are there."""
    write(
        folder,
        "helpers.html",
        "{{ request.method }} {{ url_for('item', item_id=7) }} "
        "{{ flashes }} {{ extra }} {{ mine }}",
    )

    class Battery:
        name = "battery"

        def setup(self, app: App) -> None:
            """Nothing to set up: the templates battery finds template_context."""

        def template_context(self, request: Request) -> Mapping[str, Any]:
            return {"flashes": "none", "extra": "battery"}

    async def own(request: Request) -> Mapping[str, Any]:
        return {"mine": request.query_params.get("m", "-")}

    assert isinstance(Battery(), ContextProvider)
    app = App(components=[Templates(folder, context_processors=[own]), Battery()])

    @app.get("/items/{item_id:int}", name="item")
    async def item(item_id: int) -> TemplateResponse:
        return TemplateResponse("helpers.html", {"extra": "handler wins"})

    with TestClient(app, root_path="/shop") as client:
        assert client.get("/items/1?m=x").text == "GET /shop/items/7 none handler wins x"


def test_globals_and_filters(folder: Path) -> None:
    """Constructor globals and filters are available to templates."""
    write(folder, "g.html", "{{ site }} {{ 'ab'|shout }}")
    app = App(
        components=[Templates(folder, globals={"site": "Schooner"}, filters={"shout": str.upper})]
    )

    @app.get("/")
    async def index() -> TemplateResponse:
        return TemplateResponse("g.html")

    with TestClient(app) as client:
        assert client.get("/").text == "Schooner AB"


def test_templates_are_compiled_once(folder: Path) -> None:
    """The environment caches compiled templates; outside debug, file changes are not read."""
    templates = Templates(folder)
    App(components=[templates])
    first = templates.env.get_template("page.html")
    assert templates.env.get_template("page.html") is first
    write(folder, "page.html", "changed")
    assert templates.env.get_template("page.html") is first


def test_debug_reloads_changed_templates(folder: Path) -> None:
    """In debug mode an edited template is picked up without a restart."""
    templates = Templates(folder)
    App(debug=True, components=[templates])
    first = templates.env.get_template("page.html")
    time.sleep(0.01)
    path = write(folder, "page.html", "changed")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert templates.env.get_template("page.html") is not first


def test_template_error_shows_the_template_line_in_debug(folder: Path) -> None:
    """The debug page names the template file and line of the failing expression."""
    write(folder, "broken.html", "line one\nline two\n{{ items.missing() }}\n")
    app = App(debug=True, components=[Templates(folder)])

    @app.get("/broken")
    async def broken() -> TemplateResponse:
        return TemplateResponse("broken.html", {"items": {}})

    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as client:
        page = client.get("/broken", headers={"accept": "text/html"})
    assert page.status_code == 500
    assert "broken.html:3" in page.text
    assert "{{ items.missing() }}" in page.text


def test_missing_folder_and_misuse_are_clear_errors(tmp_path: Path, folder: Path) -> None:
    """A missing folder, two Templates or rendering without the component fail clearly."""
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        Templates(tmp_path / "nope")
    with pytest.raises(ImproperlyConfigured, match="Two components are named 'templates'"):
        App(components=[Templates(folder), Templates(folder)])
    with pytest.raises(ImproperlyConfigured, match="not part of an app"):
        _ = Templates(folder).env

    app = App()

    @app.get("/")
    async def index() -> TemplateResponse:
        return TemplateResponse("page.html")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


async def harbour_news() -> str:
    """An async function a template can call when rendering is async."""
    return "<tide> turns at 6"


def test_async_rendering_awaits_calls_in_templates(folder: Path) -> None:
    """With async_rendering=True a template awaits async functions (still escaped)."""
    write(folder, "news.html", "News: {{ news() }}")
    app = App(components=[Templates(folder, globals={"news": harbour_news}, async_rendering=True)])

    @app.get("/news")
    async def news() -> TemplateResponse:
        return TemplateResponse("news.html")

    with TestClient(app) as client:
        assert client.get("/news").text == "News: &lt;tide&gt; turns at 6"


def test_sync_rendering_is_the_default(folder: Path) -> None:
    """By default templates are compiled for sync rendering (faster; no awaiting inside)."""
    templates = Templates(folder)
    App(components=[templates])
    assert templates.async_rendering is False
    assert templates.env.is_async is False


def test_dict_keys_read_like_jinja2_does(folder: Path) -> None:
    """``d.key`` reads the item; dict methods still win over same-named keys, as in Jinja2;
    missing keys are undefined; other objects use their attributes."""
    write(
        folder,
        "d.html",
        "{{ d.id }}|{{ d.items()|list|length }}|{{ d.missing is undefined }}|{{ o.real }}|"
        "{% for row in rows %}{{ row.message }};{% endfor %}",
    )
    templates = Templates(folder)
    App(components=[templates])
    template = templates.env.get_template("d.html")
    rows = [{"message": "<b>"}, {"message": "ok"}]
    text = template.render(d={"id": 7, "items": "shadowed"}, o=3, rows=rows)
    assert text == "7|2|True|3|&lt;b&gt;;ok;"
