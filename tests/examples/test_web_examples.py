"""The examples of the templates, sessions and security pages (web_app.py)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from _loading import REDIS_URL, docs_example

from schooner import App
from schooner.contrib.forms import Form, Forms
from schooner.contrib.sessions import Session
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.testing import TestClient

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"


@pytest.fixture
def web() -> ModuleType:
    """web_app.py, freshly imported."""
    return docs_example("web_app", "web")


def test_post_redirect_get_with_flash(web: ModuleType) -> None:
    """The form posts with its token, the boat is kept in the session, the flash shows once."""
    with TestClient(web.app) as client:
        page = client.get("/boats")
        assert "<h1>Boats in Portsmouth</h1>" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        added = client.post("/boats", data={"name": "Victory", "csrf_token": token.group(1)})
        assert added.status_code == 303
        after = client.get("/boats").text
        assert '<p class="flash flash-success">Victory is moored.</p>' in after
        assert '<a href="/boats/Victory">Victory</a>' in after
        assert "is moored" not in client.get("/boats").text
        assert client.post("/boats", data={"name": "Pirate"}).status_code == 403


def test_nonce_and_headers(web: ModuleType) -> None:
    """The inline script's nonce is in this response's policy; the widget may be framed."""
    with TestClient(web.app) as client:
        page = client.get("/boats/Mary%20Rose")
        widget = client.get("/widget")
    nonce = re.search(r'<script nonce="([^"]+)">', page.text)
    assert nonce is not None
    assert f"'nonce-{nonce.group(1)}'" in page.headers["content-security-policy"]
    assert "Mary Rose" in page.text
    assert "x-frame-options" not in widget.headers
    assert "frame-ancestors https://partner.example" in widget.headers["content-security-policy"]


def load(name: str) -> ModuleType:
    """Import examples/docs/<name>.py afresh under a private name."""
    return docs_example(name, "example")


def test_forms_from_model_example() -> None:
    """forms_from_model.py: the columns' types, lengths and nullability make the form."""
    form_class = load("forms_from_model").ArticleForm
    form = form_class({"title": "x" * 121, "body": "text"})
    assert form.errors == {"title": ["Enter at most 120 characters."]}
    assert form["body"].widget == "textarea"
    assert not form["subtitle"].required


MACROS_COMMAND = (
    "import pathlib, schooner.contrib.forms as f; "
    "print(pathlib.Path(f.__file__).parent / 'templates/forms/macros.html')"
)


def test_forms_macros_location_and_import(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """forms.md: the command finds macros.html; it imports by that name with Forms() only."""
    assert f'python -c "{MACROS_COMMAND}"' in (DOCS.parents[1] / "docs" / "forms.md").read_text()
    printed = subprocess.run(
        [sys.executable, "-c", MACROS_COMMAND], capture_output=True, text=True, check=True
    )
    macros = Path(printed.stdout.strip())
    assert macros.parts[-5:] == ("contrib", "forms", "templates", "forms", "macros.html")
    assert "macro field(" in macros.read_text()
    assert "macro fields(" in macros.read_text()

    (tmp_path / "page.html").write_text(
        '{% import "forms/macros.html" as forms %}<form>{{ forms.fields(form) }}</form>'
    )

    class NameForm(Form):
        name: str

    def site(*components: Any) -> App:
        app = App(components=[Templates(tmp_path), *components])

        @app.get("/")
        async def page() -> TemplateResponse:
            return TemplateResponse("page.html", {"form": NameForm()})

        return app

    with TestClient(site(Forms())) as client:
        assert '<label for="id_name">Name' in client.get("/").text
    with TestClient(site(), raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500
    assert "TemplateNotFound: 'forms/macros.html' not found in search path" in caplog.text


def test_sessions_redis_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """sessions_redis.py keeps the visitor's data in Redis (skipped without Redis locally)."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must run in CI")
        pytest.skip("Redis is not running")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    app = load("sessions_redis").app

    @app.get("/n")
    async def count(session: Session) -> int:
        session["n"] = session.get("n", 0) + 1
        return int(session["n"])

    with TestClient(app) as client:
        assert [client.get("/n").json() for _ in range(3)] == [1, 2, 3]


def test_sessions_database_example(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """sessions_database.py keeps the visitor's data in a table of the app's database."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    module = load("sessions_database")
    app = module.app
    app.on_startup(module.db.create_all)

    @app.get("/n")
    async def count(session: Session) -> int:
        session["n"] = session.get("n", 0) + 1
        return int(session["n"])

    with TestClient(app) as client:
        assert [client.get("/n").json() for _ in range(2)] == [1, 2]
        assert len(client.cookies["session"]) < 120


@pytest.mark.parametrize(
    "test",
    [
        "test_a_browser_on_the_site_posts_the_form",
        "test_another_site_cannot_post_it",
        "test_the_token_path_of_older_browsers",
    ],
)
def test_csrf_testing_example(test: str) -> None:
    """The tests shown on the security page (csrf_testing.py) pass."""
    getattr(docs_example("csrf_testing", "web"), test)()
