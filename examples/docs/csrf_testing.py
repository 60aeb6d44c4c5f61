"""Testing a CSRF-protected form: as a current browser would post it, and as an attacker."""

from __future__ import annotations

from typing import Annotated

import msgspec

from schooner import App, Form, Inject, Settings
from schooner.contrib.csrf import CSRF, csrf_token
from schooner.contrib.csrf.testing import as_browser, csrf_token_from
from schooner.contrib.sessions import Session, Sessions
from schooner.http import HTMLResponse
from schooner.testing import TestClient

app = App(settings=Settings.load(), components=[Sessions(), CSRF()])


class Comment(msgspec.Struct):
    text: str


@app.get("/comments/new")
async def new_comment(token: Annotated[str, Inject(csrf_token)]) -> HTMLResponse:
    """A page with the form (a template would write {{ csrf_input() }})."""
    return HTMLResponse(
        f'<form method="post" action="/comments">'
        f'<input type="hidden" name="csrf_token" value="{token}">'
        f'<input name="text"></form>'
    )


@app.post("/comments")
async def add_comment(comment: Annotated[Comment, Form()], session: Session) -> str:
    session["last"] = comment.text
    return f"Thanks for '{comment.text}'."


def test_a_browser_on_the_site_posts_the_form() -> None:
    """as_browser(client): requests come from the app's own pages, as a browser says."""
    with TestClient(app) as client:
        as_browser(client)
        assert client.post("/comments", data={"text": "Fair winds"}).status_code == 200


def test_another_site_cannot_post_it() -> None:
    """A cross-site request is refused, even on a route that reads the session."""
    with TestClient(app) as client:
        as_browser(client, site="cross-site")
        assert client.post("/comments", data={"text": "Spam"}).status_code == 403


def test_the_token_path_of_older_browsers() -> None:
    """Without Fetch Metadata, the form's token is what lets the post through."""
    with TestClient(app) as client:
        token = csrf_token_from(client.get("/comments/new").text)
        assert client.post("/comments", data={"text": "Hi"}).status_code == 403
        ok = client.post("/comments", data={"text": "Hi", "csrf_token": token})
        assert ok.status_code == 200
