"""End-to-end: a person uses the account pages in headless Chromium against ``schooner serve``.

tests/e2e/accounts_app.py runs in a server process on a fresh SQLite file and sends its mail
over SMTP to a real server the test runs (aiosmtpd); the test reads the links there, as a
person reads their inbox. The whole chain runs in one browser tab: register, verify from the
mail, sign in, set up an authenticator app (the key is read off the page and the codes
computed with pyotp, as a phone would), sign out and in with password and code, register a
passkey with Chromium's virtual authenticator (WebAuthn over the DevTools protocol), sign out
and in with the passkey. The site is served as ``localhost``, the relying-party id passkeys
need (browsers refuse IP addresses). axe-core checks every page visited for accessibility
problems; screenshots go to ``.artifacts/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyotp
import pytest
from _browser import ARTIFACTS, Visitor
from test_serve import ROOT, Server, free_port, server_env, start, stop, wait_until_serving

from schooner.contrib.mail.testing import SMTPTestServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, CDPSession

pytestmark = pytest.mark.e2e

APP = "tests/e2e/accounts_app.py"
EMAIL = "grace@example.com"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 42"


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

    def visitor(self, browser: Browser) -> Visitor:
        """A new tab on the site, its screenshots named ``accounts-*``."""
        return Visitor(browser, self.url, shots="accounts")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The accounts app served on a free port as ``http://localhost:<port>``, mailing
    through an SMTP test server."""
    folder = tmp_path_factory.mktemp("accounts")
    with SMTPTestServer() as smtp:
        port = free_port()
        url = f"http://localhost:{port}"
        env = server_env(
            DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'accounts.db'}",
            SCHOONER_SECRET_KEY="e2e-" + "k" * 40,
            MAIL_BACKEND="smtp",
            MAIL_HOST=smtp.host,
            MAIL_PORT=str(smtp.port),
            MAIL_BASE_URL=url,
            MAIL_DEFAULT_FROM="Schooner shop <noreply@shop.example>",
            AUTH_TOTP_ISSUER="Schooner shop",
        )
        log = folder / "server.log"
        server = Server(start(port, log, env, APP), port, log)
        try:
            wait_until_serving(server)
            yield Site(server, smtp, url)
        finally:
            stop(server.proc)


def virtual_authenticator(you: Visitor) -> tuple[CDPSession, str]:
    """A platform authenticator with resident keys and a verified user, in this tab."""
    cdp = you.page.context.new_cdp_session(you.page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, str(added["authenticatorId"])


def sign_out(you: Visitor) -> None:
    """Press the sign-out button of the sign-out page."""
    you.goto("/accounts/logout")
    you.page.click("main form button[type=submit]")
    you.page.wait_for_selector("#anonymous")


def register_and_verify(you: Visitor, site: Site) -> None:
    """Register through the form (a too-short password first), confirm from the mail."""
    you.goto("/")
    you.check("home-anonymous")
    you.page.click("text=create an account")
    you.check("register")
    you.submit(email=EMAIL, password="123")
    assert you.page.inner_text("#id_password_errors").startswith("This password is too short")
    assert you.page.get_attribute("#id_password", "aria-invalid") == "true"
    you.check("register-errors")
    you.submit(password=PASSWORD)
    assert you.page.url == site.url + "/accounts/login"
    assert "sent a link" in you.flash()
    you.check("login-after-register")

    link = site.link_in(site.mail_to(EMAIL), "/verify-email")
    you.goto(link)
    you.check("verify-email")
    assert you.page.url == link, "opening the link does not use it"
    you.page.click("text=Verify my address")
    assert "is verified" in you.flash()
    you.check("verified")


def sign_in_and_tour_the_account(you: Visitor, site: Site) -> None:
    """A wrong password, then the right one; every account page passes axe-core."""
    you.submit(email=EMAIL, password="not the password")
    assert "incorrect" in you.page.inner_text(".form-errors")
    you.check("login-errors")
    you.submit(password=PASSWORD)
    assert you.page.url == site.url + "/"
    assert you.page.inner_text("#signed-in") == f"Signed in as {EMAIL}."
    you.check("home-signed-in")

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


def enrol_totp(you: Visitor, site: Site) -> pyotp.TOTP:
    """Set up the authenticator app on the security page (a wrong code first)."""
    page = you.page
    you.goto("/accounts/")
    page.click("#security-link")
    assert page.url == site.url + "/accounts/security"
    you.check("mfa-security-off")
    page.click("#totp-setup")
    page.wait_for_selector("#totp-secret")
    totp = pyotp.TOTP(page.inner_text("#totp-secret"))
    assert page.locator(".totp-qr svg").count() == 1
    you.check("mfa-totp-qr")
    you.submit(code="000000" if totp.now() != "000000" else "111111")
    assert "The code is not valid." in page.inner_text("#id_code_errors")
    you.check("mfa-totp-wrong-code")
    you.submit(code=totp.now())
    assert len(page.locator("#recovery-codes li").all_inner_texts()) == 10
    assert "Your authenticator app is on." in you.flash()
    you.check("mfa-recovery-codes")
    return totp


def test_register_verify_totp_and_passkey(browser: Browser, site: Site) -> None:
    """Register → verify from the mail → sign in → set up TOTP → sign out → password and
    code → add a passkey → sign out → passkey alone; then password and passkey."""
    you = site.visitor(browser)
    page = you.page
    register_and_verify(you, site)
    sign_in_and_tour_the_account(you, site)
    totp = enrol_totp(you, site)

    # Signed out from the account page, and back in with the password, then a code.
    you.goto("/accounts/")
    page.click("main form button:has-text('Sign out')")
    assert page.inner_text("#anonymous").startswith("You are not signed in.")
    you.check("signed-out")
    you.goto("/accounts/")
    assert page.url == site.url + "/accounts/login?next=%2Faccounts%2F"
    you.submit(email=EMAIL, password=PASSWORD)
    assert page.url == site.url + "/accounts/mfa?next=%2Faccounts%2F"
    you.check("mfa-code-step")
    you.submit(code=totp.at(time.time() + 30))  # the next step: the last one was used
    assert page.url == site.url + "/accounts/"
    assert page.inner_text("h1") == "Your account"
    you.check("signed-in-with-code")

    # A passkey, made by Chromium's virtual authenticator.
    cdp, authenticator = virtual_authenticator(you)
    you.goto("/accounts/security")
    page.fill("#passkey-name", "Virtual laptop")
    page.click("#passkey-add")
    page.wait_for_selector("#passkey-list li")
    assert "Virtual laptop" in page.inner_text("#passkey-list")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1
    assert stored["credentials"][0]["isResidentCredential"] is True
    assert stored["credentials"][0]["rpId"] == "localhost"
    you.check("mfa-passkey-added")

    # Signed out, then in with the passkey alone: no e-mail, no password.
    sign_out(you)
    you.goto("/accounts/login")
    you.check("mfa-login-with-passkey-button")
    page.click("#passkey-login")
    page.wait_for_selector("#signed-in")
    assert page.inner_text("#signed-in") == f"Signed in as {EMAIL}."
    you.check("mfa-signed-in-with-passkey")

    # The password, then the passkey as the second step.
    sign_out(you)
    you.goto("/accounts/login")
    you.submit(email=EMAIL, password=PASSWORD)
    assert page.url.startswith(site.url + "/accounts/mfa")
    page.click("#passkey-login")
    page.wait_for_selector("#signed-in")
    you.check("mfa-signed-in-password-and-passkey")
    assert stored["credentials"][0]["signCount"] < 3
    after = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert after["credentials"][0]["signCount"] == stored["credentials"][0]["signCount"] + 2
    assert you.unexpected_errors() == []


def test_reset_a_forgotten_password(browser: Browser, site: Site) -> None:
    """Ask for a link, set a new password from the mail, sign in with it and land on next;
    then delete the account."""
    owner = site.visitor(browser)
    owner.goto("/accounts/register")
    owner.submit(email="lin@example.com", password=PASSWORD)
    owner.goto(site.link_in(site.mail_to("lin@example.com"), "/verify-email"))
    owner.page.click("text=Verify my address")

    you = site.visitor(browser)
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
