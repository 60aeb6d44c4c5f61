"""examples/blog through the ASGI stack: forms, validation, flash, sessions and CSRF."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from schooner.testing import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """examples/blog/app.py on a fresh SQLite database, imported as a package.

    The app module is imported afresh (it reads DATABASE_URL); the models stay imported,
    as SQLAlchemy allows one class per table name.
    """
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'blog.db'}")
    monkeypatch.setenv("SCHOONER_SECRET_KEY", "s" * 40)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    sys.modules.pop("blog.app", None)
    return importlib.import_module("blog.app")


def token_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


def test_write_a_post_fix_errors_see_the_flash(blog: ModuleType) -> None:
    """Invalid → 422 with errors and kept values; valid → redirect, flash shown once."""
    with TestClient(blog.app) as client:
        assert "No posts yet." in client.get("/").text
        token = token_of(client.get("/posts/new").text)
        bad = client.post(
            "/posts/new",
            data={"csrf_token": token, "title": "Hi", "body": "short", "author": "Ada"},
        )
        assert bad.status_code == 422
        assert "Enter at least 5 characters." in bad.text
        assert "Enter at least 20 characters." in bad.text
        assert 'value="Ada"' in bad.text
        good = client.post(
            "/posts/new",
            data={
                "csrf_token": token_of(bad.text),
                "title": "First voyage",
                "body": "We left the harbour at dawn.\n\nThe wind was kind.",
                "author": "Ada",
            },
        )
        assert good.status_code == 303
        page = client.get(good.headers["location"])
        assert "Post “First voyage” published." in page.text
        assert "<p>The wind was kind.</p>" in page.text
        assert "published." not in client.get(good.headers["location"]).text
        assert 'value="Ada"' in page.text  # remembered in the session
        listing = client.get("/").text
        assert "First voyage" in listing
        assert "0 comments" in listing


def test_comments_are_escaped_and_counted(blog: ModuleType) -> None:
    """A comment with markup is shown as text; the index counts it."""
    with TestClient(blog.app) as client:
        token = token_of(client.get("/posts/new").text)
        client.post(
            "/posts/new",
            data={"csrf_token": token, "title": "Knots", "body": "x" * 30, "author": "Bo"},
        )
        page = client.get("/posts/1").text
        response = client.post(
            "/posts/1/comments",
            data={"csrf_token": token_of(page), "name": "Eve", "body": "<script>alert(1)</script>"},
        )
        assert response.status_code == 303
        shown = client.get("/posts/1").text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "<script>alert(1)</script>" not in shown
        assert "1 comment" in client.get("/").text
        assert client.get("/posts/99").status_code == 404


def test_cross_site_post_is_refused(blog: ModuleType) -> None:
    """A post without the session's token, or from another origin, gets a 403."""
    with TestClient(blog.app) as client:
        client.get("/posts/new")
        data = {"title": "Pwned title", "body": "x" * 30, "author": "Mallory"}
        assert client.post("/posts/new", data=data).status_code == 403
        forged = client.post(
            "/posts/new",
            data={**data, "csrf_token": "x"},
            headers={"origin": "https://evil.example"},
        )
        assert forged.status_code == 403
        assert "No posts yet." in client.get("/").text


def test_pages_carry_security_headers_and_fingerprinted_css(blog: ModuleType) -> None:
    """Every page has the CSP; its stylesheet URL is fingerprinted and cached for a year."""
    with TestClient(blog.app) as client:
        page = client.get("/")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        css = re.search(r'href="(/static/blog\.[0-9a-f]+\.css)"', page.text)
        assert css is not None
        asset = client.get(css.group(1))
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
