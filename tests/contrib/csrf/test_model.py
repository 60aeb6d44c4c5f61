"""The CSRF model: cross-site refusals on every route, tokens for older clients, hardening."""
# No "from __future__ import annotations": handlers here refer to local names.

import secrets
from pathlib import Path
from typing import Annotated

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schooner import App, Form, Settings
from schooner.contrib.csrf import CSRF, csrf_token
from schooner.contrib.csrf.testing import as_browser, csrf_token_from
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Session, Sessions
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.di import Inject
from schooner.testing import TestClient

KEY = "k" * 40


class Vote(msgspec.Struct):
    choice: str


def production() -> Settings:
    """Production settings answering the test client's host."""
    return Settings(
        environment="production",
        secret_key=secrets.token_urlsafe(48),
        allowed_hosts=["testserver"],
    )


def site(tmp_path: Path, **options: object) -> App:
    """A server-rendered site: a page with a form, a session route and a Django-style vote."""
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "form.html").write_text('<form method="post">{{ csrf_input() }}</form>')
    (folder / "plain.html").write_text("<p>No session here.</p>")
    app = App(
        components=[Sessions(secret_keys=[KEY]), CSRF(), Templates(folder), SecurityHeaders()],
        openapi=None,
        **options,  # type: ignore[arg-type]  # trailing_slash or settings, per test
    )

    @app.get("/form")
    async def form_page() -> TemplateResponse:
        return TemplateResponse("form.html")

    @app.get("/plain")
    async def plain_page() -> TemplateResponse:
        return TemplateResponse("plain.html")

    @app.post("/form")
    async def post_form(vote: Annotated[Vote, Form()], session: Session) -> str:
        session["vote"] = vote.choice
        return f"voted {vote.choice}"

    @app.post("/polls/{poll_id:int}/vote")
    async def vote(poll_id: int, vote: Annotated[Vote, Form()]) -> str:
        """Reads no session: the origin checks still apply."""
        return f"poll {poll_id}: {vote.choice}"

    @app.get("/token")
    async def token(value: Annotated[str, Inject(csrf_token)]) -> str:
        return value

    @app.get("/my-vote")
    async def my_vote(session: Session) -> str:
        return str(session.get("vote"))

    return app


def test_the_trailing_slash_variant_is_checked_too(tmp_path: Path) -> None:
    """With trailing_slash='ignore', POST /form/ without a token is refused like POST /form."""
    app = site(tmp_path, trailing_slash="ignore")
    with TestClient(app) as client:
        client.get("/token")  # the victim has a session
        for path in ("/form", "/form/"):
            response = client.post(path, data={"choice": "evil"})
            assert response.status_code == 403, path
            assert response.json()["title"] == "CSRF check failed"
        assert client.get("/my-vote").text == "None"  # the handler never ran


def test_a_view_that_reads_no_session_refuses_cross_site_posts(tmp_path: Path) -> None:
    """A Django-style vote view is protected without asking for the Session."""
    with TestClient(site(tmp_path)) as client:
        for headers in (
            {"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
            {"origin": "https://evil.example"},
            {"sec-fetch-site": "same-site", "origin": "https://sub.testserver"},
            {"origin": "null"},
        ):
            response = client.post("/polls/1/vote", data={"choice": "a"}, headers=headers)
            assert response.status_code == 403, headers
            assert response.json()["title"] == "CSRF check failed"
        api_client = client.post("/polls/1/vote", data={"choice": "a"})
    assert api_client.text == "poll 1: a"  # no browser headers: not a browser, no cookie risk


def test_current_browsers_on_the_site_need_no_token(tmp_path: Path) -> None:
    """Sec-Fetch-Site: same-origin proves the origin; the token is for older browsers."""
    with TestClient(site(tmp_path)) as client:
        as_browser(client)
        assert client.post("/form", data={"choice": "b"}).text == "voted b"
    with TestClient(site(tmp_path)) as client:
        client.headers["sec-fetch-site"] = "none"  # a typed URL or a bookmark
        assert client.post("/form", data={"choice": "c"}).text == "voted c"


def test_older_browsers_send_the_token(tmp_path: Path) -> None:
    """Without Fetch Metadata, a cookie route asks for the token, which the page has."""
    with TestClient(site(tmp_path)) as client:
        token = csrf_token_from(client.get("/form").text)
        refused = client.post("/form", data={"choice": "d"})
        accepted = client.post("/form", data={"choice": "d", "csrf_token": token})
    assert refused.status_code == 403
    assert "csrf_token" in refused.json()["detail"]
    assert accepted.text == "voted d"


def test_trusted_origins_may_post_cross_site(tmp_path: Path) -> None:
    """A same-site or cross-site request from a trusted origin passes the origin check."""
    app = App(
        components=[Sessions(secret_keys=[KEY]), CSRF(trusted_origins=["https://*.example.org"])],
        openapi=None,
    )

    @app.post("/ping")
    async def ping() -> str:
        return "pong"

    with TestClient(app) as client:
        trusted = client.post(
            "/ping", headers={"sec-fetch-site": "cross-site", "origin": "https://a.example.org"}
        )
        other = client.post(
            "/ping", headers={"sec-fetch-site": "cross-site", "origin": "https://example.com"}
        )
    assert trusted.text == "pong"
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("authorization", "status"),
    [("Bearer abc", 200), ("Token abc", 200), ("Basic dTpw", 403), ("Negotiate x", 403)],
)
def test_authorization_headers(tmp_path: Path, authorization: str, status: int) -> None:
    """Bearer and API-key requests pass; schemes browsers replay by themselves are checked."""
    with TestClient(site(tmp_path)) as client:
        response = client.post(
            "/polls/1/vote",
            data={"choice": "a"},
            headers={"authorization": authorization, "origin": "https://evil.example"},
        )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("content", "files"),
    [
        ({"choice": "a", "big": "x" * (1024 * 1024 + 10)}, None),
        ({f"f{i}": "1" for i in range(1001)}, None),
        ({"big": "x" * (1024 * 1024 + 10)}, {"upload": ("a.txt", b"x", "text/plain")}),
    ],
    ids=["urlencoded-over-1mib", "over-1000-fields", "multipart-1mib-text-part"],
)
def test_over_limit_forms_are_4xx_not_500(
    tmp_path: Path, content: dict[str, str], files: object
) -> None:
    """CSRF reads the form to find the token; an over-limit form is a 413, never a 500."""
    with TestClient(site(tmp_path, settings=production()), raise_server_exceptions=False) as c:
        c.get("/token")
        response = c.post("/form", data=content, files=files)  # type: ignore[arg-type]
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "content-security-policy" in response.headers


def test_refusals_and_server_errors_carry_security_headers(tmp_path: Path) -> None:
    """SecurityHeaders listed last still puts its headers on CSRF 403s and 500s."""
    app = site(tmp_path, settings=production())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        refused = client.post("/polls/1/vote", data={"choice": "a"}, headers={"origin": "null"})
        broken = client.get("/boom")
        unknown_host = client.get("/plain", headers={"host": "evil.example"})
    for response in (refused, broken, unknown_host):
        assert response.headers["x-content-type-options"] == "nosniff", response.status_code
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert (refused.status_code, broken.status_code, unknown_host.status_code) == (403, 500, 400)


def test_pages_that_do_not_use_the_session_do_not_vary_on_cookie(tmp_path: Path) -> None:
    """Template helpers load the session ahead, but only a page that calls one uses it."""
    with TestClient(site(tmp_path)) as client:
        client.get("/token")  # a session cookie exists
        plain = client.get("/plain")
        form = client.get("/form")
    assert "vary" not in plain.headers
    assert "set-cookie" not in plain.headers
    assert form.headers["vary"] == "Cookie"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=20).map(
            lambda d: "&".join(f"{k}={v}" for k, v in d.items()).encode("utf-8", "surrogatepass")
        ),
    ),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded; charset=latin-1",
        ]
    ),
    headers=st.dictionaries(
        st.sampled_from(["origin", "sec-fetch-site", "referer", "x-csrf-token", "authorization"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
        max_size=4,
    ),
)
def test_fuzzed_posts_to_a_protected_form_never_give_5xx(
    tmp_path_factory: pytest.TempPathFactory,
    body: bytes,
    content_type: str,
    headers: dict[str, str],
) -> None:
    """Generated bodies and headers to a CSRF-protected form route: always a 2xx-4xx answer."""
    app = FUZZ_APPS.setdefault("app", site(tmp_path_factory.mktemp("fuzz"), settings=production()))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/form", content=body, headers={"content-type": content_type, **headers}
        )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


FUZZ_APPS: dict[str, App] = {}


def test_layers_outside_csrf_see_its_refusals_as_responses(tmp_path: Path) -> None:
    """A CSRF 403 (and a 413 read for the token) reach outer middleware as responses."""
    from schooner import Request, Response
    from schooner.middleware import CallNext

    seen: list[int] = []

    async def outer(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        seen.append(response.status_code)
        response.headers["x-outer"] = "yes"
        return response

    app = App(
        middleware=[outer],
        components=[Sessions(secret_keys=[KEY]), CSRF()],
        settings=production(),
        openapi=None,
    )

    @app.post("/form")
    async def post_form(vote: Annotated[Vote, Form()], session: Session) -> str:
        return vote.choice

    with TestClient(app) as client:
        refused = client.post("/form", data={"choice": "a"}, headers={"origin": "null"})
        too_large = client.post("/form", data={"choice": "x" * (1024 * 1024 + 10)})
    assert (refused.status_code, too_large.status_code) == (403, 413)
    assert refused.headers["x-outer"] == too_large.headers["x-outer"] == "yes"
    assert seen == [403, 413]
