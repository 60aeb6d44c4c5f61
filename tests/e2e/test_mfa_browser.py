"""End-to-end: two-step sign-in and passkeys in headless Chromium against ``schooner serve``.

tests/e2e/accounts_app.py runs in a server process on a fresh SQLite file holding one
verified user. In the browser the user signs in with the password, sets up an authenticator
app on the security page (the test reads the key off the page and computes the codes with
pyotp, as a phone would), signs out and back in with password and code; then registers a
passkey with Chromium's virtual authenticator (WebAuthn over the DevTools protocol: a
platform authenticator with resident keys and user verification), signs out, and signs in
with the passkey alone, and with password and passkey. The site is served on
``localhost``, the relying-party id passkeys need (browsers refuse IP addresses). Every page
is checked with axe-core; screenshots go to ``.artifacts/``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyotp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from test_accounts_browser import PASSWORD, Visitor, axe_or_skip
from test_openapi_serve import chromium_or_skip
from test_serve import Server, free_port, server_env, start, stop, wait_until_serving

from schooner.contrib.auth import PasswordHasher, User
from schooner.contrib.orm import Model

if TYPE_CHECKING:
    from playwright.sync_api import Browser, CDPSession

pytestmark = pytest.mark.e2e

APP = "tests/e2e/accounts_app.py"
EMAIL = "ada@example.com"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def seed(url: str) -> None:
    """Create the tables and a verified user with :data:`PASSWORD`."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Model.metadata.create_all)
        password = await PasswordHasher().hash(PASSWORD)
        async with AsyncSession(engine) as session, session.begin():
            session.add(User(email=EMAIL, email_verified=True, password=password))
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The accounts app served on a free port, reached as ``http://localhost:<port>``."""
    folder = tmp_path_factory.mktemp("mfa")
    url = f"sqlite+aiosqlite:///{folder / 'mfa.db'}"
    asyncio.run(seed(url))
    port = free_port()
    env = server_env(
        DATABASE_URL=url,
        SCHOONER_SECRET_KEY="e2e-" + "m" * 40,
        MAIL_BACKEND="console",
        AUTH_TOTP_ISSUER="Schooner shop",
    )
    log = folder / "server.log"
    server = Server(start(port, log, env, APP), port, log)
    try:
        wait_until_serving(server)
        yield f"http://localhost:{port}"
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


class _Site:
    """What :class:`Visitor` needs of the site: its address."""

    def __init__(self, url: str) -> None:
        self.url = url


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
    """Press the sign-out button."""
    you.goto("/accounts/logout")
    you.page.click("main form button[type=submit]")
    you.page.wait_for_selector("#anonymous")


def test_authenticator_app_then_passkey(browser: Browser, site: str) -> None:
    """Password → set up the app → password and code → add a passkey → passkey alone."""
    you = Visitor(browser, _Site(site), axe_or_skip())  # type: ignore[arg-type] # url only
    page = you.page

    # 1. Password, then the authenticator app on the security page.
    you.goto("/accounts/login")
    you.submit(email=EMAIL, password=PASSWORD)
    assert page.inner_text("#signed-in") == f"Signed in as {EMAIL}."
    you.goto("/accounts/")
    page.click("#security-link")
    assert page.url == site + "/accounts/security"
    you.check("mfa-security-off")
    page.click("#totp-setup")
    page.wait_for_selector("#totp-secret")
    secret = page.inner_text("#totp-secret")
    assert page.locator(".totp-qr svg").count() == 1
    you.check("mfa-totp-qr")
    totp = pyotp.TOTP(secret)
    you.submit(code="000000" if totp.now() != "000000" else "111111")
    assert "The code is not valid." in page.inner_text("#id_code_errors")
    you.check("mfa-totp-wrong-code")
    you.submit(code=totp.now())
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert "Your authenticator app is on." in you.flash()
    you.check("mfa-recovery-codes")

    # 2. Signed out and back in: the password, then a code.
    sign_out(you)
    you.goto("/accounts/login?next=/accounts/")
    you.submit(email=EMAIL, password=PASSWORD)
    assert page.url == site + "/accounts/mfa?next=%2Faccounts%2F"
    you.check("mfa-code-step")
    you.submit(code=totp.at(time.time() + 30))  # the next step: the last one was used
    assert page.url == site + "/accounts/"
    assert page.inner_text("h1") == "Your account"

    # 3. A passkey, made by Chromium's virtual authenticator.
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

    # 4. Signed out, then in with the passkey alone: no e-mail, no password.
    sign_out(you)
    you.goto("/accounts/login")
    you.check("mfa-login-with-passkey-button")
    page.click("#passkey-login")
    page.wait_for_selector("#signed-in")
    assert page.inner_text("#signed-in") == f"Signed in as {EMAIL}."
    you.check("mfa-signed-in-with-passkey")

    # 5. The password, then the passkey as the second step.
    sign_out(you)
    you.goto("/accounts/login")
    you.submit(email=EMAIL, password=PASSWORD)
    assert page.url.startswith(site + "/accounts/mfa")
    page.click("#passkey-login")
    page.wait_for_selector("#signed-in")
    you.check("mfa-signed-in-password-and-passkey")
    assert stored["credentials"][0]["signCount"] < 3
    after = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert after["credentials"][0]["signCount"] == stored["credentials"][0]["signCount"] + 2
    assert you.unexpected_errors() == []
