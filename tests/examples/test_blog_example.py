"""examples/blog through the ASGI stack: accounts, forms, validation, flash, sessions, CSRF.

Accounts are made the way a visitor makes one: the sign-up page, the verification link
from the mail (kept in memory here), the button on the link's page, then the sign-in page.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
import pytest_asyncio

from schooner.contrib.auth import Auth
from schooner.contrib.mail.testing import outbox, use_memory_backend
from schooner.testing import AsyncTestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery staple"
HTML = {"Accept": "text/html"}
STORY = "We left the harbour at dawn.\n\nThe wind was kind."


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """examples/blog/app.py on a fresh SQLite database, imported as a package, keeping its
    mail in memory.

    The app module is imported afresh (it reads DATABASE_URL); the models stay imported,
    as SQLAlchemy allows one class per table name.
    """
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'blog.db'}")
    monkeypatch.setenv("SCHOONER_SECRET_KEY", "s" * 40)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    sys.modules.pop("blog.app", None)
    module = importlib.import_module("blog.app")
    use_memory_backend(module.app)
    return module


@pytest_asyncio.fixture
async def client(blog: ModuleType) -> AsyncIterator[AsyncTestClient]:
    """A visitor's browser on the blog (started, with its tables created)."""
    async with AsyncTestClient(blog.app) as visitor:
        yield visitor


def token_of(page: str) -> str:
    """The CSRF token of the last form on ``page``."""
    found = re.findall(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found[-1]


async def post_form(
    client: AsyncTestClient, path: str, data: dict[str, str], *, page: str | None = None
) -> str:
    """GET ``page`` (``path`` by default) and POST ``data`` to ``path`` with its CSRF token;
    the response's status and location, as ``"303 /where"``."""
    shown = await client.get(page or path)
    response = await client.post(path, data={"csrf_token": token_of(shown.text), **data})
    return f"{response.status_code} {response.headers.get('location', '')}".strip()


async def verification_link(blog: ModuleType, email: str) -> str:
    """The path of the verification link last mailed to ``email``."""
    auth = blog.app.component(Auth)
    await auth.drain_mail()  # account mail goes out after the response
    mail = [m for m in outbox(blog.app) if m.to == (email,)][-1]
    assert mail.subject
    found = re.search(r"https?://[^/\s]+(/accounts/verify-email/\S+)", mail.text or "")
    assert found is not None, mail.text
    return found.group(1)


async def sign_up(client: AsyncTestClient, blog: ModuleType, email: str) -> None:
    """Sign up on the page and confirm the address with the mailed link."""
    data = {"email": email, "password": PASSWORD}
    assert await post_form(client, "/accounts/register", data) == "303 /accounts/login"
    link = await verification_link(blog, email)
    assert await post_form(client, link, {}) == "303 /accounts/login"


async def sign_in(client: AsyncTestClient, email: str, *, next_url: str = "") -> str:
    """Sign in on the login page; where it sends the browser."""
    path = "/accounts/login" + next_url
    result = await post_form(client, path, {"email": email, "password": PASSWORD})
    assert result.startswith("303 "), result
    return result.removeprefix("303 ")


async def writer(client: AsyncTestClient, blog: ModuleType, email: str) -> None:
    """A verified account, signed in on ``client``."""
    await sign_up(client, blog, email)
    assert await sign_in(client, email) == "/"


async def publish(client: AsyncTestClient, title: str) -> str:
    """Write a post as the signed-in user; the post's path."""
    result = await post_form(client, "/posts/new", {"title": title, "body": STORY})
    assert result.startswith("303 /posts/"), result
    return result.removeprefix("303 ")


async def test_sign_up_verify_sign_in_and_out(client: AsyncTestClient, blog: ModuleType) -> None:
    """Sign up → the address must be verified first → verify → sign in → the nav shows the
    address and a sign-out form, which signs out."""
    home = (await client.get("/")).text
    assert 'href="/accounts/login"' in home
    assert 'href="/accounts/register"' in home
    data = {"email": "ada@example.com", "password": PASSWORD}
    assert await post_form(client, "/accounts/register", data) == "303 /accounts/login"
    early = await post_form(client, "/accounts/login", data)
    assert early == "400"  # not verified yet
    link = await verification_link(blog, "ada@example.com")
    assert await post_form(client, link, {}) == "303 /accounts/login"
    assert await sign_in(client, "ada@example.com") == "/"
    home = (await client.get("/")).text
    assert "ada@example.com" in home
    assert 'action="/accounts/logout"' in home
    assert 'href="/accounts/login"' not in home
    response = await client.post("/accounts/logout", data={"csrf_token": token_of(home)})
    assert response.status_code == 303
    home = (await client.get("/")).text
    assert "ada@example.com" not in home
    assert 'href="/accounts/login"' in home


async def test_anonymous_writer_is_sent_to_sign_in_and_back(
    client: AsyncTestClient, blog: ModuleType
) -> None:
    """An anonymous browser asking to write is sent to the login page, then back to the form;
    an anonymous post gets a 401 and publishes nothing."""
    response = await client.get("/posts/new", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/accounts/login?next=%2Fposts%2Fnew"
    page = (await client.get("/accounts/login")).text
    refused = await client.post(
        "/posts/new",
        data={"csrf_token": token_of(page), "title": "Anonymous", "body": STORY},
        headers=HTML,
    )
    assert refused.status_code == 401  # only a page (GET) is redirected
    assert "No posts yet." in (await client.get("/")).text
    await sign_up(client, blog, "ada@example.com")
    assert await sign_in(client, "ada@example.com", next_url="?next=%2Fposts%2Fnew") == "/posts/new"
    assert (await client.get("/posts/new")).status_code == 200


async def test_write_a_post_fix_errors_see_the_flash(
    client: AsyncTestClient, blog: ModuleType
) -> None:
    """Invalid → 422 with errors and kept values; valid → redirect, flash shown once, and the
    post is signed with the author's address."""
    await writer(client, blog, "ada@example.com")
    token = token_of((await client.get("/posts/new")).text)
    bad = await client.post(
        "/posts/new", data={"csrf_token": token, "title": "Hi", "body": "short"}
    )
    assert bad.status_code == 422
    assert "Enter at least 5 characters." in bad.text
    assert "Enter at least 20 characters." in bad.text
    assert 'value="Hi"' in bad.text
    good = await client.post(
        "/posts/new",
        data={"csrf_token": token_of(bad.text), "title": "First voyage", "body": STORY},
    )
    assert good.status_code == 303
    page = await client.get(good.headers["location"])
    assert "Post “First voyage” published." in page.text
    assert "<p>The wind was kind.</p>" in page.text
    assert "by ada@example.com" in page.text
    assert "published." not in (await client.get(good.headers["location"])).text
    listing = (await client.get("/")).text
    assert "First voyage" in listing
    assert "by ada@example.com · 0 comments" in listing


async def test_only_the_author_edits(client: AsyncTestClient, blog: ModuleType) -> None:
    """The author sees the edit link and saves changes (errors first); another user sees no
    link and gets 403 on the page and on the post; an anonymous browser goes to sign in."""
    await writer(client, blog, "ada@example.com")
    post = await publish(client, "First voyage")
    assert f'href="{post}/edit"' in (await client.get(post)).text
    form = (await client.get(post + "/edit")).text
    assert 'value="First voyage"' in form
    assert "We left the harbour at dawn." in form
    bad = await client.post(post + "/edit", data={"csrf_token": token_of(form), "title": "No"})
    assert bad.status_code == 422
    assert "This field is required." in bad.text
    saved = await post_form(
        client, post + "/edit", {"title": "Second voyage", "body": STORY + "\n\nHome again."}
    )
    assert saved == f"303 {post}"
    page = (await client.get(post)).text
    assert "Post “Second voyage” saved." in page
    assert "<p>Home again.</p>" in page
    async with AsyncTestClient(blog.app) as other:
        await writer(other, blog, "bo@example.com")
        assert "/edit" not in (await other.get(post)).text
        assert (await other.get(post + "/edit", headers=HTML)).status_code == 403
        token = token_of((await other.get(post)).text)
        forged = await other.post(
            post + "/edit",
            data={"csrf_token": token, "title": "Taken over", "body": "x" * 30},
            headers=HTML,
        )
        assert forged.status_code == 403
        assert "Only the author of a post may edit it." in forged.text
        assert (await other.get("/posts/99/edit")).status_code == 404
    async with AsyncTestClient(blog.app) as anonymous:
        assert "/edit" not in (await anonymous.get(post)).text
        response = await anonymous.get(post + "/edit", headers=HTML)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/accounts/login?next=")
    assert "Second voyage" in (await client.get(post)).text


async def test_comments_are_open_escaped_and_counted(
    client: AsyncTestClient, blog: ModuleType
) -> None:
    """An anonymous visitor comments with a name; markup is shown as text; the index counts
    it; a signed-in user finds their name filled in."""
    await writer(client, blog, "bo@example.com")
    post = await publish(client, "Knots")
    assert 'value="bo@example.com"' in (await client.get(post)).text
    async with AsyncTestClient(blog.app) as visitor:
        empty = (await visitor.get(post)).text
        assert 'name="name" value=""' in empty
        result = await post_form(
            visitor,
            post + "/comments",
            {"name": "Eve", "body": "<script>alert(1)</script>"},
            page=post,
        )
        assert result == f"303 {post}"
        shown = (await visitor.get(post)).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
        assert "<script>alert(1)</script>" not in shown
        assert "— Eve" in shown
        assert "1 comment" in (await visitor.get("/")).text
        assert (await visitor.get("/posts/99")).status_code == 404


async def test_cross_site_post_is_refused(client: AsyncTestClient, blog: ModuleType) -> None:
    """A signed-in user's post without the session's token, or from another origin, gets a
    403; so does a sign-out without the token."""
    await writer(client, blog, "ada@example.com")
    data = {"title": "Pwned title", "body": "x" * 30}
    assert (await client.post("/posts/new", data=data)).status_code == 403
    forged = await client.post(
        "/posts/new",
        data={**data, "csrf_token": "x"},
        headers={"origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    assert (await client.post("/accounts/logout")).status_code == 403
    page = (await client.get("/")).text
    assert "No posts yet." in page
    assert "ada@example.com" in page  # still signed in


async def test_account_pages_use_the_blog_layout(client: AsyncTestClient) -> None:
    """The battery's sign-in page renders inside the blog's layout, stylesheet and nav."""
    page = (await client.get("/accounts/login")).text
    assert "<h1>Sign in</h1>" in page
    assert re.search(r'href="/static/blog\.[0-9a-f]+\.css"', page)
    assert 'class="home"' in page


async def test_pages_carry_security_headers_and_fingerprinted_css(
    client: AsyncTestClient,
) -> None:
    """Every page has the CSP; its stylesheet URL is fingerprinted and cached for a year."""
    page = await client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    css = re.search(r'href="(/static/blog\.[0-9a-f]+\.css)"', page.text)
    assert css is not None
    asset = await client.get(css.group(1))
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
