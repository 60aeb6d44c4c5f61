"""End-to-end: staff use the polls admin in headless Chromium against ``schooner serve``.

tests/e2e/admin_app.py is served on a fresh SQLite file with the default security headers;
its two accounts are made with the ``schooner users`` commands, as an operator would: a
superuser and a "viewer" with only the view permissions. Every admin page visited is
checked for a Content-Security-Policy header equal to the default one and for CSP
violations in the browser console; axe-core checks the login, list, edit and delete pages.

Two concerns are kept apart: axe-core is injected with ``page.evaluate`` (DevTools'
``Runtime.evaluate``, which the page's CSP does not govern: the policy stays on and
unrelaxed, and ``bypass_csp`` is never used), while the CSP check listens to the console of
the same tab, where Chromium reports every refused script, style or image.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from _browser import Visitor
from test_serve import ROOT, Server, free_port, server_env, start, stop, wait_until_serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Response

pytestmark = pytest.mark.e2e

APP = "tests/e2e/admin_app.py"
PASSWORD = "correct horse battery staple"
ADMIN = "admin@polls.example"
VIEWER = "viewer@polls.example"
DEFAULT_CSP = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)


@dataclass
class Site:
    """The served admin and the environment its commands run with."""

    server: Server
    url: str
    env: dict[str, str]

    def users(self, *args: str, password: str | None = None) -> None:
        """Run ``schooner users ...`` on the site's database."""
        done = subprocess.run(
            [sys.executable, "-m", "schooner.cli", "users", *args],
            cwd=ROOT,
            env=self.env,
            input=None if password is None else password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The polls admin on a free port, with a superuser and a view-only staff account."""
    folder = tmp_path_factory.mktemp("admin")
    port = free_port()
    env = server_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'polls.db'}",
        SCHOONER_SECRET_KEY="e2e-admin-" + "k" * 40,
        SCHOONER_APP=APP,
    )
    log = folder / "server.log"
    server = Server(start(port, log, env, APP), port, log)
    try:
        wait_until_serving(server, "/accounts/login")
        served = Site(server, f"http://127.0.0.1:{port}", env)
        served.users("sync-permissions")
        for email, role in [(ADMIN, "--superuser"), (VIEWER, "--staff")]:
            served.users(
                "create", "--email", email, role, "--no-input", "--password-stdin",
                password=PASSWORD,
            )  # fmt: skip
        served.users("grant", VIEWER, "polls.view_question", "polls.view_choice")
        yield served
    finally:
        stop(server.proc)


class Staff(Visitor):
    """A staff member's tab: every admin page must carry the default CSP, unrelaxed."""

    def __init__(self, browser: Browser, site: Site) -> None:
        super().__init__(browser, site.url, shots="admin")
        self.site = site
        self.policies: dict[str, str | None] = {}
        self.page.on("response", self._policy)
        self.page.set_default_timeout(5_000)

    def _policy(self, response: Response) -> None:
        if response.request.resource_type == "document" and "/admin" in response.url:
            self.policies[response.url] = response.headers.get("content-security-policy")

    def sign_in(self, email: str) -> None:
        """Sign in on the accounts login page, sent there by the admin."""
        self.goto("/admin/")
        assert "/accounts/login" in self.page.url
        self.check("login")
        self.submit(email=email, password=PASSWORD)
        assert self.page.url == self.url + "/admin/"

    def csp_problems(self) -> list[str]:
        """Admin pages without the default policy, and every console report of a violation
        (script errors and failed loads too)."""
        relaxed = [f"{url}: {csp}" for url, csp in self.policies.items() if csp != DEFAULT_CSP]
        return relaxed + self.unexpected_errors()

    def token(self) -> str:
        """The CSRF token of the signed-in session, read off the sign-out form."""
        self.goto("/accounts/logout")
        token = self.page.get_attribute("input[name=csrf_token]", "value")
        assert token
        return token


def create_question(you: Staff) -> None:
    """Add a question with three choices on one page."""
    page = you.page
    you.goto("/admin/polls/question")
    page.click("text=Add question")
    page.fill("#id_question_text", "What is your favourite colour?")
    page.fill("#id_pub_date", "2026-05-01T10:00")
    for n, text in enumerate(["Red", "Green", "Blue"]):
        page.fill(f"[name='polls-choice-{n}-choice_text']", text)
    you.check("add")
    page.click("button[name=_save]")
    assert "/admin/polls/question" in page.url
    assert "What is your favourite colour?" in page.inner_text("table.results")


def test_staff_walkthrough(browser: Browser, site: Site) -> None:
    """Sign in, add a question with three choices, search, filter, sort, edit with an
    error then fix it, read the history diff, bulk-delete after the cascade preview."""
    you = Staff(browser, site)
    page = you.page
    you.sign_in(ADMIN)
    you.check("index")
    create_question(you)
    you.goto("/admin/polls/question/add")
    page.fill("#id_question_text", "Is the sky blue?")
    page.fill("#id_pub_date", "2025-01-01T09:00")
    page.click("button[name=_save]")
    you.check("list")

    page.fill("#searchbar", "colour")
    page.click("form.search button")
    assert page.locator("table.results tbody tr").count() == 1
    you.check("search")
    page.click("text=show all")
    page.fill("#filter-pub_date__since", "2026-01-01")
    page.click("aside.filters button")
    assert page.locator("table.results tbody tr").count() == 1
    you.check("filter")
    page.click("text=Clear filters")
    page.click("table.results thead a >> nth=1")
    rows = page.locator("table.results tbody th").all_inner_texts()
    assert rows == ["Is the sky blue?", "What is your favourite colour?"]
    you.check("sort")

    page.click("table.results tbody th a:has-text('favourite colour')")
    you.check("edit")
    # A fourth choice with votes but no text: the browser lets the empty new row through
    # (it may stay empty), the server refuses the half-filled one and keeps what was typed.
    page.fill("#id_question_text", "What is your favourite color?")
    page.fill("[name='polls-choice-3-votes']", "5")
    page.click("button[name=_continue]")
    errors = page.locator(".inline-invalid [id$='choice_text_errors']")
    assert errors.inner_text() == "This field is required."
    assert page.input_value("#id_question_text") == "What is your favourite color?"
    you.check("edit-error")
    page.fill("[name='polls-choice-3-choice_text']", "Yellow")
    page.click("button[name=_continue]")
    assert page.locator(".inline-invalid").count() == 0
    assert page.input_value("[name='polls-choice-3-choice_text']") == "Yellow"
    page.click("text=History")
    history = page.inner_text("main")
    assert "What is your favourite colour?" in history
    assert "What is your favourite color?" in history
    you.check("history")
    page.click("nav a:has-text('What is your favourite color?')")
    page.click("a.danger:has-text('Delete')")
    assert all(text in page.inner_text("main") for text in ["Red", "Green", "Blue", "Yellow"])
    you.check("delete")

    you.goto("/admin/polls/question")
    page.check("#select-page")
    page.select_option("#action", "delete_selected")
    page.click("text=Apply to selected")
    preview = page.inner_text("main")
    assert "Questions: 2" in preview  # the cascade, counted
    assert "Choices: 4" in preview
    assert all(text in preview for text in ["Red", "Green", "Yellow", "Is the sky blue?"])
    you.check("bulk-delete")
    page.click("text=Yes, delete")
    assert "0 questions" in page.inner_text(".count")
    you.check("bulk-deleted")
    assert you.csp_problems() == []


def test_viewer_sees_no_edit_controls(browser: Browser, site: Site) -> None:
    """A view-only staff member sees values, not forms, and a direct post is refused."""
    staff = Staff(browser, site)
    staff.sign_in(ADMIN)
    staff.goto("/admin/polls/question/add")
    staff.page.fill("#id_question_text", "Tea or coffee?")
    staff.page.fill("#id_pub_date", "2026-02-01T08:00")
    staff.page.fill("[name='polls-choice-0-choice_text']", "Tea")
    staff.page.click("button[name=_continue]")
    change = staff.page.url.removeprefix(site.url)

    you = Staff(browser, site)
    page = you.page
    you.sign_in(VIEWER)
    for path, name in [("/admin/polls/question", "viewer-list"), (change, "viewer-change")]:
        you.goto(path)
        main = page.locator("main")
        assert main.locator("form[method=post], input[type=checkbox], #action").count() == 0
        for control in ["Save", "Delete", "Add question", "Apply to selected"]:
            assert main.get_by_text(control).count() == 0, (path, control)
        you.check(name)
    assert "Tea" in page.inner_text("main")
    token = you.token()
    refused = page.request.post(
        site.url + change,
        form={"csrf_token": token, "question_text": "Hacked", "pub_date": "2026-02-01T08:00"},
        headers={"Origin": site.url},
    )
    assert refused.status == 403
    you.goto(change)
    assert "Hacked" not in page.inner_text("main")
    assert you.csp_problems() == []


def test_every_admin_form_refuses_a_cross_site_post(browser: Browser, site: Site) -> None:
    """Add, change, delete and bulk actions refuse another site's Origin, and a post
    without the token, even from the superuser's own browser."""
    you = Staff(browser, site)
    you.sign_in(ADMIN)
    you.goto("/admin/polls/question/add")
    you.page.fill("#id_question_text", "Cats or dogs?")
    you.page.fill("#id_pub_date", "2026-03-01T08:00")
    you.page.click("button[name=_continue]")
    change = you.page.url.removeprefix(site.url)
    base = change.removesuffix("/change")
    token = you.token()
    forms = {
        "/admin/polls/question/add": {"question_text": "Forged", "pub_date": "2026-03-01T08:00"},
        change: {"question_text": "Forged", "pub_date": "2026-03-01T08:00"},
        base + "/delete": {},
        "/admin/polls/question/actions": {"action": "delete_selected", "_confirm": "yes",
                                          "_selected": base.rsplit("/", 1)[1]},
        "/admin/polls/choice/actions": {"action": "reset_votes", "_select_page": "1"},
    }  # fmt: skip
    for path, fields in forms.items():
        other_site = you.page.request.post(
            site.url + path,
            form={**fields, "csrf_token": token},
            headers={"Origin": "https://evil.example"},
        )
        assert other_site.status == 403, path
        no_token = you.page.request.post(site.url + path, form=fields, headers={"Origin": site.url})
        assert no_token.status == 403, path
    you.goto("/admin/polls/question")
    assert you.page.inner_text("table.results tbody th") == "Cats or dogs?"
    # The same post with the token, from the site itself, is taken: the 403s were CSRF's.
    taken = you.page.request.post(
        site.url + change,
        form={**forms[change], "csrf_token": token},
        headers={"Origin": site.url},
        max_redirects=0,
    )
    assert taken.status == 303
    you.goto("/admin/polls/question")
    assert you.page.inner_text("table.results tbody th") == "Forged"
    assert you.csp_problems() == []
