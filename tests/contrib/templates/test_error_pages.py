"""HTML error pages from templates for browsers; problem details for API clients."""
# No "from __future__ import annotations": handlers here refer to local names.

import secrets
from pathlib import Path

import pytest

from schooner import App, HTTPException, Request, Response, Settings
from schooner.contrib.templates import Templates
from schooner.testing import TestClient

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def production() -> Settings:
    return Settings(
        environment="production", secret_key=secrets.token_urlsafe(48), allowed_hosts=["testserver"]
    )


def make_app(folder: Path, **options: object) -> App:
    app = App(components=[Templates(folder, **options)], settings=production())  # type: ignore[arg-type]

    @app.get("/items/{item_id:int}")
    async def item(item_id: int) -> dict[str, int]:
        raise HTTPException(404, f"Item {item_id} does not exist.")

    @app.post("/items")
    async def create() -> None:
        return None

    @app.get("/secret")
    async def secret() -> None:
        raise HTTPException(403, "Staff only.", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the database password is hunter2")

    return app


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "templates"
    path.mkdir()
    return path


@pytest.mark.parametrize(
    ("method", "path", "status", "text"),
    [
        ("GET", "/items/3", 404, "Item 3 does not exist."),
        ("GET", "/nowhere", 404, "No route matches"),
        ("DELETE", "/items", 405, "DELETE is not allowed"),
        ("GET", "/secret", 403, "Staff only."),
    ],
)
def test_browsers_get_html_pages(
    folder: Path, method: str, path: str, status: int, text: str
) -> None:
    """A browser's 404, 405 and 403 are HTML pages with the same status and detail."""
    with TestClient(make_app(folder)) as client:
        response = client.request(method, path, headers=BROWSER)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{status} " in response.text
    assert text in response.text


def test_headers_of_the_error_are_kept(folder: Path) -> None:
    """Allow on a 405, WWW-Authenticate on a 403: the page carries them too."""
    with TestClient(make_app(folder)) as client:
        assert client.delete("/items", headers=BROWSER).headers["allow"] == "OPTIONS, POST"
        assert client.get("/secret", headers=BROWSER).headers["www-authenticate"] == "Bearer"


def test_api_clients_keep_problem_details(folder: Path) -> None:
    """Without text/html in Accept the answer is application/problem+json, as before."""
    with TestClient(make_app(folder)) as client:
        response = client.get("/items/3", headers={"accept": "application/json"})
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Item 3 does not exist."


def test_the_500_page_tells_nothing_but_the_request_id(folder: Path) -> None:
    """A browser's 500 is a page with the request id and without the exception."""
    with TestClient(make_app(folder), raise_server_exceptions=False) as client:
        page = client.get("/boom", headers=BROWSER)
        api = client.get("/boom")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "hunter2" not in page.text
    assert page.headers["x-request-id"] in page.text
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["request_id"] == api.headers["x-request-id"]


def test_a_project_overrides_a_page(folder: Path) -> None:
    """errors/404.html in the project's folder wins over the battery's generic page."""
    (folder / "errors").mkdir()
    (folder / "errors" / "404.html").write_text("Lost at sea: {{ detail }}")
    with TestClient(make_app(folder)) as client:
        assert client.get("/items/9", headers=BROWSER).text == "Lost at sea: Item 9 does not exist."
        assert "<h1>405 " in client.delete("/items", headers=BROWSER).text


def test_a_broken_error_template_falls_back_to_problem_details(folder: Path) -> None:
    """An error page that cannot render never hides the error: problem details instead."""
    (folder / "errors").mkdir()
    (folder / "errors" / "error.html").write_text("{{ missing.attribute.call() }}")
    with TestClient(make_app(folder)) as client:
        response = client.get("/items/1", headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_users_handlers_win(folder: Path) -> None:
    """A handler registered by the user, before or after the component, is used."""

    def mine(request: Request, exc: HTTPException) -> Response:
        return Response("mine", exc.status_code)

    app = App(
        components=[Templates(folder)],
        exception_handlers={HTTPException: mine},
        settings=production(),
    )
    with TestClient(app) as client:
        assert client.get("/nowhere", headers=BROWSER).text == "mine"


def test_error_pages_can_be_turned_off(folder: Path) -> None:
    """Templates(error_pages=False) leaves every error as problem details."""
    with TestClient(make_app(folder, error_pages=False)) as client:
        response = client.get("/items/3", headers=BROWSER)
    assert response.headers["content-type"] == "application/problem+json"
