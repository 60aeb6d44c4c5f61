"""Serving the OpenAPI document and the offline docs UI through the ASGI stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate

from schooner import App
from schooner.cli import main
from schooner.openapi import OpenAPI
from schooner.testing import TestClient

STATIC = Path(__file__).resolve().parents[2] / "src" / "schooner" / "openapi" / "static"


def ship_app(openapi: OpenAPI | None = OpenAPI(title="Fleet")) -> App:  # noqa: B008 - frozen
    app = App(openapi=openapi)

    @app.get("/ships/{ship_id:int}")
    async def ship(ship_id: int) -> dict[str, int]:
        """One ship."""
        return {"id": ship_id}

    return app


def test_document_is_served_as_json() -> None:
    """GET /openapi.json returns the same document the app builds, as JSON."""
    app = ship_app()
    with TestClient(app) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    assert document == json.loads(json.dumps(app.openapi_document()))
    assert document["info"]["title"] == "Fleet"
    assert list(document["paths"]) == ["/ships/{ship_id}"]


def test_docs_page_links_only_local_assets() -> None:
    """The docs page loads its scripts and styles from the app, not from a CDN."""
    with TestClient(ship_app()) as client:
        page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    text = page.text
    assert "<title>Fleet — API docs</title>" in text
    assert 'data-openapi-url="/openapi.json"' in text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "schooner-docs.js"):
        assert f'"/docs/{asset}"' in text
    assert "http://" not in text
    assert "https://" not in text
    assert "<script>" not in text  # no inline script: a strict CSP can allow the page


@pytest.mark.parametrize(
    ("asset", "media_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("schooner-docs.js", "text/javascript; charset=utf-8"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_assets_ship_in_the_package(asset: str, media_type: str) -> None:
    """Every asset the page uses is served from the package with its content type."""
    with TestClient(ship_app()) as client:
        response = client.get(f"/docs/{asset}")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.content == (STATIC / asset).read_bytes()
    assert "max-age" in response.headers["cache-control"]


@pytest.mark.parametrize("asset", ["README.md", "SWAGGER-UI-LICENSE", "..%2f_ui.py", "nope.js"])
def test_only_known_assets_are_served(asset: str) -> None:
    """Anything but the listed assets is a 404 problem response."""
    with TestClient(ship_app()) as client:
        response = client.get(f"/docs/{asset}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_custom_urls() -> None:
    """Both URLs can move."""
    app = ship_app(OpenAPI(openapi_url="/api/schema.json", docs_url="/api/docs"))
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/api/schema.json").json()["openapi"] == "3.1.0"
        page = client.get("/api/docs").text
        assert 'data-openapi-url="/api/schema.json"' in page
        assert client.get("/api/docs/schooner-docs.js").status_code == 200


def test_docs_ui_can_be_turned_off_alone() -> None:
    """docs_url=None keeps the document and drops the UI."""
    with TestClient(ship_app(OpenAPI(docs_url=None))) as client:
        assert client.get("/openapi.json").status_code == 200
        assert client.get("/docs").status_code == 404


def test_everything_can_be_turned_off() -> None:
    """openapi=None serves neither; the document can still be generated (CLI)."""
    app = ship_app(None)
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/docs").status_code == 404
    assert app.openapi_document()["info"]["title"] == "Schooner API"


def test_mounted_under_a_root_path() -> None:
    """Behind a path prefix the document names it as its server and the page uses it."""
    app = ship_app()
    with TestClient(app, root_path="/fleet") as client:
        document = client.get("/openapi.json").json()
        page = client.get("/docs").text
    assert document["servers"] == [{"url": "/fleet"}]
    assert list(document)[:2] == ["openapi", "servers"]
    assert 'data-openapi-url="/fleet/openapi.json"' in page
    assert '"/fleet/docs/swagger-ui-bundle.js"' in page
    validate(document)


def test_cli_prints_the_document(tmp_path: Path) -> None:
    """`schooner openapi APP` prints the document; --output writes it to a file."""
    module = tmp_path / "fleet.py"
    module.write_text(
        "from schooner import App\n"
        "app = App()\n"
        "@app.get('/ships')\n"
        "async def ships() -> list[str]:\n"
        "    '''List ships.'''\n"
        "    return []\n"
    )
    result = CliRunner().invoke(main, ["openapi", str(module)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    validate(document)
    assert document["paths"]["/ships"]["get"]["summary"] == "List ships."

    target = tmp_path / "out" / "openapi.json"
    target.parent.mkdir()
    result = CliRunner().invoke(main, ["openapi", str(module), "-o", str(target), "--indent", "0"])
    assert result.exit_code == 0, result.output
    assert "Wrote the OpenAPI document" in result.output
    assert json.loads(target.read_text()) == document
    assert "\n" not in target.read_text().strip()
