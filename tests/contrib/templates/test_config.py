"""TemplatesConfig: folders and helpers as keywords, a config, settings or the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from schooner import App, Request
from schooner.contrib.templates import TemplateResponse, Templates, TemplatesConfig
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A template folder with a page that shows a global, a filter and a processor's value."""
    project = tmp_path / "templates"
    project.mkdir()
    (project / "page.html").write_text("{{ site }}|{{ 'ab' | shout }}|{{ visitor }}")
    return project


def visitor(request: Request) -> dict[str, str]:
    """A context processor: who is asking."""
    return {"visitor": request.headers.get("x-name", "anonymous")}


def page_app(templates: Templates) -> App:
    """An app with one page rendered from page.html."""
    app = App(components=[templates])

    @app.get("/")
    async def page() -> TemplateResponse:
        return TemplateResponse("page.html")

    return app


def test_keywords_and_config_render_the_same_page(folder: Path) -> None:
    """Options given as keywords or as a TemplatesConfig reach every template."""
    options: dict[str, Any] = {
        "globals": {"site": "Harbour"},
        "filters": {"shout": str.upper},
        "context_processors": [visitor],
    }
    for templates in (
        Templates(folder, **options),
        Templates(config=TemplatesConfig(directories=[str(folder)], **options)),
    ):
        with TestClient(page_app(templates)) as client:
            assert client.get("/", headers={"x-name": "ada"}).text == "Harbour|AB|ada"


def test_folders_may_be_text_paths_or_several(folder: Path, tmp_path: Path) -> None:
    """One path, a string or a list: the config keeps them as a list of text."""
    other = tmp_path / "more"
    other.mkdir()
    assert Templates(folder).config.directories == [str(folder)]
    assert Templates(str(folder)).config.directories == [str(folder)]
    assert Templates([folder, other]).directories == [folder.resolve(), other.resolve()]


def test_processors_given_as_any_iterable_are_kept(folder: Path) -> None:
    """A generator of processors is stored as a list, not consumed once."""
    templates = Templates(folder, context_processors=(p for p in [visitor]))
    assert templates.context_processors == [visitor]
    assert templates.context_processors == [visitor]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"directories": []}, "directories is empty"),
        ({"directories": ["no/such/folder"]}, "does not exist. Create it"),
        ({"context_processors": ["visitor"]}, "is not callable"),
        ({"filters": {"shout": "upper"}}, "filter 'shout' is not a function"),
        ({"extensions": [42]}, "neither an import path"),
        ({"autoescape": False}, "has no option autoescape"),
    ],
)
def test_bad_options_say_how_to_fix_them(
    folder: Path, options: dict[str, Any], message: str
) -> None:
    """Invalid options are ImproperlyConfigured errors that say what to give."""
    options = {"directories": [folder], **options}
    with pytest.raises(ImproperlyConfigured, match=message):
        Templates(**options)


def test_from_env_reads_the_folders_and_flags(folder: Path, tmp_path: Path) -> None:
    """TEMPLATES_DIRECTORIES is a comma list; flags are booleans."""
    other = tmp_path / "more"
    other.mkdir()
    config = TemplatesConfig.from_env(
        environ={
            "TEMPLATES_DIRECTORIES": f"{folder},{other}",
            "TEMPLATES_ERROR_PAGES": "false",
            "TEMPLATES_AUTO_RELOAD": "",
        }
    )
    assert config.directories == [str(folder), str(other)]
    assert config.error_pages is False
    assert config.auto_reload is None
