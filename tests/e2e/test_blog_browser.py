"""End-to-end: a person signs up, writes and edits a blog post in headless Chromium against
``schooner serve``.

The server writes its mail to files (``MAIL_BACKEND=file``); the verification link is read
from the ``.eml`` file the way a mail client would show it. Then: sign in, the form with a
too-short title shows its error, it is fixed, the flash message appears on the new post's
page, and the author edits the post through its edit link. axe-core checks the pages;
screenshots go to ``.artifacts/``.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _browser import Visitor
from test_serve import server_env, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """examples/blog served by a real process on a fresh SQLite file, writing its mail to a
    folder; stopped by PID. The site's address and the mail folder."""
    folder = tmp_path_factory.mktemp("blog")
    mail = folder / "mail"
    env = server_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'blog.db'}",
        SCHOONER_SECRET_KEY="e2e-" + "k" * 40,
        MAIL_BACKEND="file",
        MAIL_FILE_PATH=str(mail),
    )
    with serving(folder / "server.log", env, app="examples/blog/app.py") as server:
        yield f"http://127.0.0.1:{server.port}", mail


def mail_to(folder: Path, address: str, *, timeout: float = 10.0) -> EmailMessage:
    """The first message written to ``folder`` for ``address`` (it is sent after the
    response, so wait for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if message["To"] == address:
                return message
        time.sleep(0.05)
    raise AssertionError(f"no mail to {address} in {folder} after {timeout}s")


def link_path(message: EmailMessage, page: str) -> str:
    """The path of the link to ``/accounts/<page>/…`` in the message's plain-text body."""
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    found = re.search(rf"https?://\S+(/accounts/{page}/\S+)", text)
    assert found is not None, text
    return found.group(1)


def test_sign_up_write_and_edit_a_post_in_the_browser(
    browser: Browser, served: tuple[str, Path]
) -> None:
    """Sign up, verify from the mail, sign in, write a post (error first), edit it; every page
    passes axe-core and is photographed."""
    base_url, mail = served
    you = Visitor(browser, base_url, shots="blog")
    page = you.page
    # Writing needs an account: the browser is sent to the login page.
    you.goto("/posts/new")
    assert urllib.parse.urlsplit(page.url).path == "/accounts/login"
    you.check("login")
    page.click("text=Sign up")
    page.fill("#id_email", EMAIL)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash-info")
    assert "We have sent a link" in page.inner_text(".flash-info")
    you.check("registered")

    message = mail_to(mail, EMAIL)
    you.goto(link_path(message, "verify-email"))
    you.check("verify-email")
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "You can sign in now" in page.inner_text(".flash-success")

    page.fill("#id_email", EMAIL)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("header .who")
    assert page.inner_text("header .who") == EMAIL

    page.click("header a.button")  # Write a post
    page.fill("#id_title", "Hi")
    page.fill("#id_body", "Too short.")
    page.click("main button[type=submit]")
    page.wait_for_selector("#id_title_errors")
    assert page.inner_text("#id_title_errors") == "Enter at least 5 characters."
    assert page.get_attribute("#id_title", "aria-invalid") == "true"
    assert page.input_value("#id_body") == "Too short."  # kept
    you.check("form-errors")

    page.fill("#id_title", "Across the bay")
    page.fill("#id_body", "We sailed across the bay and back before the tide turned.")
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert page.inner_text(".flash-success") == "Post “Across the bay” published."
    assert page.inner_text("h1") == "Across the bay"
    assert Path(urllib.parse.urlsplit(page.url).path).parts[-2:] == ("posts", "1")
    assert page.inner_text("article .meta").startswith(f"by {EMAIL}")
    you.check("post-published")

    page.click("a.edit")
    assert page.input_value("#id_title") == "Across the bay"
    page.fill("#id_title", "Across the bay and back")
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert page.inner_text(".flash-success") == "Post “Across the bay and back” saved."
    assert page.inner_text("h1") == "Across the bay and back"
    you.check("post-edited")

    you.goto("/")
    you.check("home")
    assert page.locator("article h2").inner_text() == "Across the bay and back"
    # The stylesheet loaded under the Content-Security-Policy: the header is styled.
    colour = page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(31, 58, 95)"

    page.click("header button:has-text('Sign out')")
    page.wait_for_selector("header a:has-text('Sign in')")
    assert page.locator("header .who").count() == 0
    assert you.unexpected_errors() == []
