"""The CSRF battery: tokens in forms and headers, origin checks, exemptions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import msgspec
import pytest

from schooner import App, Form, Inject, UploadFile
from schooner.contrib.csrf import CSRF, csrf_exempt, csrf_token
from schooner.contrib.csrf._token import mask, new_secret, verify
from schooner.contrib.sessions import Flash, Session, Sessions
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

KEY = "k" * 40


class Comment(msgspec.Struct):
    text: str


class Upload(msgspec.Struct):
    note: str
    file: UploadFile


def csrf_app(tmp_path: Path, csrf: CSRF | None = None) -> App:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "form.html").write_text(
        '<form method="post">{{ csrf_input() }}<input name="text"></form>'
        "<meta name=csrf content='{{ csrf_token() }}'>"
    )
    app = App(
        components=[
            Sessions(secret_keys=[KEY]),
            Templates(folder),
            csrf or CSRF(trusted_origins=["https://*.example.org"], exempt_paths=["/hooks/*"]),
        ]
    )

    @app.get("/form")
    async def form_page(session: Session) -> TemplateResponse:
        return TemplateResponse("form.html")

    @app.post("/comments")
    async def comment(body: Annotated[Comment, Form()], flash: Flash) -> dict[str, str]:
        flash.success("Thanks.")
        return {"text": body.text}

    @app.post("/json")
    async def json_comment(body: Comment, session: Session) -> dict[str, str]:
        return {"text": body.text}

    @app.post("/upload")
    async def upload(form: Annotated[Upload, Form()], session: Session) -> dict[str, object]:
        return {"note": form.note, "size": len(await form.file.read())}

    @app.post("/api/ping")
    async def api_ping(body: Comment) -> dict[str, str]:
        """Uses no session: not cookie-authenticated, so not checked."""
        return {"pong": body.text}

    @app.post("/webhook", meta=[csrf_exempt])
    async def webhook(session: Session) -> str:
        return "hooked"

    @app.post("/hooks/github")
    async def github(session: Session) -> str:
        return "github"

    @app.get("/token")
    async def token(value: Annotated[str, Inject(csrf_token)]) -> str:
        return value

    return app


def form_token(client: TestClient) -> str:
    """Load the form page and return the token in its hidden input."""
    page = client.get("/form").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None, page
    return match.group(1)


def test_form_post_with_the_token_passes(tmp_path: Path) -> None:
    """A form carrying the page's token is accepted and the handler gets its fields."""
    with TestClient(csrf_app(tmp_path)) as client:
        token = form_token(client)
        response = client.post("/comments", data={"csrf_token": token, "text": "hi"})
    assert response.status_code == 200
    assert response.json() == {"text": "hi"}


def test_cross_site_post_without_the_token_is_refused(tmp_path: Path) -> None:
    """No token: 403 problem response saying which field or header is missing."""
    with TestClient(csrf_app(tmp_path)) as client:
        form_token(client)  # the victim has a session
        response = client.post(
            "/comments", data={"text": "pwned"}, headers={"origin": "https://evil.example"}
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert "another site" in response.json()["detail"]
        missing = client.post("/comments", data={"text": "pwned"})
    assert missing.status_code == 403
    problem = missing.json()
    assert problem["title"] == "CSRF check failed"
    assert "csrf_token" in problem["detail"]
    assert "X-CSRF-Token" in problem["detail"]


def test_cross_site_post_with_a_stolen_token_is_refused(tmp_path: Path) -> None:
    """Even a valid token does not help a post that another origin makes."""
    with TestClient(csrf_app(tmp_path)) as client:
        token = form_token(client)
        response = client.post(
            "/comments",
            data={"csrf_token": token, "text": "x"},
            headers={"origin": "http://evil.example"},
        )
    assert response.status_code == 403


def test_token_of_another_session_is_refused(tmp_path: Path) -> None:
    """Tokens are bound to their session."""
    app = csrf_app(tmp_path)
    with TestClient(app) as attacker:
        stolen = form_token(attacker)
    with TestClient(app) as victim:
        form_token(victim)
        response = victim.post("/comments", data={"csrf_token": stolen, "text": "x"})
        garbage = victim.post("/comments", data={"csrf_token": "%%%", "text": "x"})
    assert response.status_code == 403
    assert "wrong or expired" in response.json()["detail"]
    assert garbage.status_code == 403


def test_header_token_for_fetch_and_htmx(tmp_path: Path) -> None:
    """JSON posts send the token in X-CSRF-Token."""
    with TestClient(csrf_app(tmp_path)) as client:
        token = client.get("/token").text
        ok = client.post("/json", json={"text": "a"}, headers={"x-csrf-token": token})
        refused = client.post("/json", json={"text": "a"})
    assert ok.status_code == 200
    assert ok.json() == {"text": "a"}
    assert refused.status_code == 403


def test_tokens_are_masked_differently_each_time(tmp_path: Path) -> None:
    """Two renders give two different strings that both verify."""
    with TestClient(csrf_app(tmp_path)) as client:
        first, second = form_token(client), form_token(client)
        assert first != second
        for token in (first, second):
            assert client.post("/comments", data={"csrf_token": token, "text": "x"}).is_success


def test_multipart_form_token_and_file_reach_the_handler(tmp_path: Path) -> None:
    """The token is read from a multipart body, which is then replayed to the handler."""
    with TestClient(csrf_app(tmp_path)) as client:
        token = form_token(client)
        response = client.post(
            "/upload",
            data={"csrf_token": token, "note": "n"},
            files={"file": ("a.bin", b"x" * 3000, "application/octet-stream")},
        )
    assert response.status_code == 200
    assert response.json() == {"note": "n", "size": 3000}


def test_bearer_requests_are_not_checked(tmp_path: Path) -> None:
    """A request authenticated by a bearer token carries no ambient cookie authority."""
    with TestClient(csrf_app(tmp_path)) as client:
        response = client.post(
            "/json", json={"text": "api"}, headers={"authorization": "Bearer abc"}
        )
    assert response.status_code == 200


def test_routes_without_sessions_are_not_checked(tmp_path: Path) -> None:
    """A JSON API route that never reads the session needs no token."""
    with TestClient(csrf_app(tmp_path)) as client:
        form_token(client)
        assert client.post("/api/ping", json={"text": "p"}).json() == {"pong": "p"}


def test_exemptions_are_explicit(tmp_path: Path) -> None:
    """@csrf_exempt and exempt_paths turn the check off for those routes only."""
    with TestClient(csrf_app(tmp_path)) as client:
        form_token(client)
        assert client.post("/webhook").text == "hooked"
        assert client.post("/hooks/github").text == "github"
        assert client.post("/comments", data={"text": "x"}).status_code == 403


def test_https_needs_a_same_site_origin_or_referer(tmp_path: Path) -> None:
    """Over HTTPS a post without Origin must have a same-site (or trusted) Referer."""
    base = "https://shop.test"
    with TestClient(csrf_app(tmp_path), base_url=base) as client:
        token = form_token(client)
        data = {"csrf_token": token, "text": "x"}
        no_referer = client.post("/comments", data=data)
        assert no_referer.status_code == 403
        assert "Referer" in no_referer.json()["detail"]
        assert client.post("/comments", data=data, headers={"referer": base + "/form"}).is_success
        foreign = client.post("/comments", data=data, headers={"referer": "https://evil.test/"})
        assert foreign.status_code == 403
        trusted = client.post(
            "/comments", data=data, headers={"origin": "https://blog.example.org"}
        )
        assert trusted.is_success
        same = client.post("/comments", data=data, headers={"origin": "https://shop.test:443"})
        assert same.is_success


def test_csrf_needs_sessions(tmp_path: Path) -> None:
    """Without Sessions listed first, CSRF refuses to start."""
    with pytest.raises(ImproperlyConfigured, match="Sessions"):
        App(components=[CSRF()])


def test_middleware_sits_inside_the_sessions(tmp_path: Path) -> None:
    """The chain shows CSRF right after the session layer."""
    chain = csrf_app(tmp_path).middleware_chain("/comments", "POST")
    assert chain.index("CSRFMiddleware") == chain.index("SessionMiddleware") + 1


@pytest.mark.parametrize("token", ["", "abc", "A" * 86, mask(new_secret())])
def test_verify_rejects_malformed_or_foreign_tokens(token: str) -> None:
    """Only a mask of the very secret verifies."""
    assert not verify(token, new_secret())
    secret = new_secret()
    assert verify(mask(secret), secret)
