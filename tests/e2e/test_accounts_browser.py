"""End-to-end: a person uses the account pages in headless Chromium against ``schooner serve``.

tests/e2e/accounts_app.py runs in a server process on a fresh SQLite file and sends its mail
over SMTP to a real server the test runs (aiosmtpd); the test reads the links there, as a
person reads their inbox. axe-core (``package.json``, installed by ``scripts/browser``)
checks every page it visits for accessibility problems; screenshots go to ``.artifacts/``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from test_openapi_serve import ARTIFACTS, chromium_or_skip
from test_serve import ROOT, Server, free_port, server_env, start, stop, wait_until_serving

from schooner.contrib.mail.testing import SMTPTestServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Response

pytestmark = pytest.mark.e2e

APP = "tests/e2e/accounts_app.py"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 42"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Site:
    """The served app and the SMTP server its mail goes to."""

    server: Server
    smtp: SMTPTestServer
    url: str

    def mail_to(self, address: str, count: int = 1, timeout: float = 15.0) -> str:
        """The text of the ``count``-th mail to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = [m for m in self.smtp.messages if address in m.recipients]
            if len(received) >= count:
                body = received[count - 1].message.get_body(("plain",))
                assert body is not None
                text: str = body.get_content()
                return text
            time.sleep(0.1)
        pytest.fail(f"No mail to {address} within {timeout}s:\n{self.server.output()}")

    def link_in(self, text: str, path: str) -> str:
        """The link to ``path`` in a mail, which must point to the served site."""
        found = re.search(rf"{re.escape(self.url)}/accounts{path}/\S+", text)
        assert found is not None, text
        return found.group(0)


def axe_or_skip() -> str:
    """axe-core's source; missing is a skip locally and a failure in CI."""
    if AXE.exists():
        return AXE.read_text()
    message = f"{AXE.relative_to(ROOT)} is missing (run scripts/browser, or npm ci)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true: browser tests must run", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The accounts app served on a free port, mailing through an SMTP test server."""
    folder = tmp_path_factory.mktemp("accounts")
    with SMTPTestServer() as smtp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = server_env(
            DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'accounts.db'}",
            SCHOONER_SECRET_KEY="e2e-" + "k" * 40,
            MAIL_BACKEND="smtp",
            MAIL_HOST=smtp.host,
            MAIL_PORT=str(smtp.port),
            MAIL_BASE_URL=url,
            MAIL_DEFAULT_FROM="Schooner shop <noreply@shop.example>",
        )
        log = folder / "server.log"
        server = Server(start(port, log, env, APP), port, log)
        try:
            wait_until_serving(server)
            yield Site(server, smtp, url)
        finally:
            stop(server.proc)


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, closed after the test."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Visitor:
    """One person's browser tab: pages are checked with axe-core and photographed."""

    def __init__(self, browser: Browser, site: Site, axe: str) -> None:
        self.site = site
        self.axe = axe
        self.page: Page = browser.new_page(viewport={"width": 900, "height": 900})
        self.errors: list[str] = []
        self.checked: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        # Failed loads are judged by their responses (which say what was asked for).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response: Response) -> None:
        # 400 and 422 are the answers the tests ask for; Chromium asks for /favicon.ico.
        path = urlsplit(response.url).path
        if response.status >= 400 and response.status not in (400, 422) and path != "/favicon.ico":
            self.errors.append(f"{response.status} for {response.url}")

    def goto(self, path: str) -> None:
        """Open a page of the site (or an absolute link)."""
        self.page.goto(path if path.startswith("http") else self.site.url + path)

    def check(self, name: str) -> None:
        """Run axe-core on the page (no violation allowed) and keep a screenshot."""
        page = self.page
        page.wait_for_load_state()
        # evaluate() runs outside the page's Content-Security-Policy, which refuses inline
        # scripts: the app's own headers stay on.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe)
        results: dict[str, Any] = page.evaluate("axe.run(document)")
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in results["violations"]
        ]
        assert violations == [], f"{name} ({page.url}): {violations}"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"accounts-{name}.png"), full_page=True)
        self.checked.append(name)

    def flash(self) -> str:
        """The flash message the page shows."""
        return self.page.inner_text(".flash")

    def submit(self, **fields: str) -> None:
        """Fill the fields of the page's form (by input id) and send it."""
        for name, value in fields.items():
            self.page.fill(f"#id_{name}", value)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_load_state()

    def unexpected_errors(self) -> list[str]:
        """Script errors, console errors and failed loads the test did not ask for."""
        return self.errors


def test_sign_up_verify_sign_in_and_out(browser: Browser, site: Site) -> None:
    """Register, confirm from the mailed link, sign in, see the account, sign out."""
    you = Visitor(browser, site, axe_or_skip())
    you.goto("/")
    you.check("home-anonymous")
    you.page.click("text=create an account")
    you.check("register")
    you.submit(email="grace@example.com", password="123")
    assert you.page.inner_text("#id_password_errors").startswith("This password is too short")
    assert you.page.get_attribute("#id_password", "aria-invalid") == "true"
    you.check("register-errors")
    you.submit(password=PASSWORD)
    assert you.page.url == site.url + "/accounts/login"
    assert "sent a link" in you.flash()
    you.check("login-after-register")

    link = site.link_in(site.mail_to("grace@example.com"), "/verify-email")
    you.goto(link)
    you.check("verify-email")
    assert you.page.url == link, "opening the link does not use it"
    you.page.click("text=Verify my address")
    assert "is verified" in you.flash()

    you.submit(email="grace@example.com", password="not the password")
    assert "incorrect" in you.page.inner_text(".form-errors")
    you.check("login-errors")
    you.submit(password=PASSWORD)
    assert you.page.url == site.url + "/"
    assert you.page.inner_text("#signed-in") == "Signed in as grace@example.com."

    you.goto("/accounts/")
    assert you.page.inner_text("h1") == "Your account"
    you.check("account")
    for path, name in [
        ("/accounts/password", "password-change"),
        ("/accounts/email", "email-change"),
        ("/accounts/sign-out-everywhere", "sign-out-everywhere"),
        ("/accounts/delete", "delete-account"),
        ("/accounts/logout", "logout"),
    ]:
        you.goto(path)
        you.check(name)
    you.goto("/accounts/password")
    you.submit(current_password=PASSWORD, new_password=NEW_PASSWORD, new_password2="other")
    assert you.page.inner_text("#id_new_password2_errors") == "The two passwords do not match."
    you.check("password-change-errors")

    you.goto("/accounts/")
    you.page.click("main form button:has-text('Sign out')")
    assert you.page.inner_text("#anonymous").startswith("You are not signed in.")
    you.goto("/accounts/")
    assert you.page.url == site.url + "/accounts/login?next=%2Faccounts%2F"
    assert you.unexpected_errors() == []


def test_reset_a_forgotten_password(browser: Browser, site: Site) -> None:
    """Ask for a link, set a new password from the mail, sign in with it and land on next;
    then delete the account."""
    axe = axe_or_skip()
    owner = Visitor(browser, site, axe)
    owner.goto("/accounts/register")
    owner.submit(email="lin@example.com", password=PASSWORD)
    owner.goto(site.link_in(site.mail_to("lin@example.com"), "/verify-email"))
    owner.page.click("text=Verify my address")

    you = Visitor(browser, site, axe)
    you.goto("/accounts/password")
    assert you.page.url == site.url + "/accounts/login?next=%2Faccounts%2Fpassword"
    you.page.click("text=Forgot your password?")
    you.check("password-reset")
    you.submit(email="lin@example.com")
    assert "we have sent it a message" in you.flash()

    link = site.link_in(site.mail_to("lin@example.com", count=2), "/password-reset")
    you.goto(link)
    assert you.page.url == site.url + "/accounts/password-reset/set", "the token left the URL"
    you.check("password-reset-set")
    you.submit(new_password=NEW_PASSWORD, new_password2=NEW_PASSWORD)
    assert "Your password has been changed" in you.flash()
    you.goto(link)
    assert "no longer valid" in you.page.inner_text("main")
    you.check("password-reset-used-link")

    you.goto("/accounts/login?next=/accounts/password")
    you.submit(email="lin@example.com", password=NEW_PASSWORD)
    assert you.page.url == site.url + "/accounts/password"
    for path, name in [
        ("/accounts/verify-email/resend", "resend-verification"),
        ("/accounts/email-change/not-a-token", "email-change-confirm"),
    ]:
        you.goto(path)
        you.check(name)
    you.page.click("text=Change my address")
    assert you.page.inner_text(".error") == "This link is not valid."
    you.check("email-change-confirm-invalid")

    you.goto("/accounts/delete")
    you.submit(password=NEW_PASSWORD)
    assert you.page.inner_text("h1") == "Your account has been deleted"
    you.check("account-deleted")
    you.goto("/accounts/logout")
    assert "You are not signed in." in you.page.inner_text("main")
    you.check("logout-anonymous")
    assert you.unexpected_errors() == []


def test_the_artifacts_folder_is_ignored_by_git() -> None:
    """Screenshots never end up in a commit."""
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".artifacts/" in ignored
    assert Path(ARTIFACTS).name == ".artifacts"
