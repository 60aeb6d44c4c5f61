"""What the browser tests share: Debian's Chromium driven by Playwright, axe-core, and a
person's tab that checks and photographs the pages it visits.

Chromium is the Debian package (``/usr/bin/chromium``), launched through Playwright's
``executable_path``; axe-core comes from ``package.json`` (``scripts/browser`` or ``npm
ci``). Either one missing is a skip on a newcomer's machine and a failure with ``CI=true``.
Screenshots go to ``.artifacts/`` (git-ignored). The ``browser`` fixture is in conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest
from test_serve import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Response

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / ".artifacts"
# Without the background-networking flags Chromium keeps calling outside hosts, which this
# machine refuses (BROWSER.md).
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(message: str) -> NoReturn:
    """Skip the test, or fail it under ``CI=true``, where browser tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true: browser tests must run", pytrace=False)
    pytest.skip(message)


def chromium_or_skip() -> str:
    """The Debian Chromium binary; missing is a skip locally and a failure in CI."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    _missing(f"{CHROMIUM} is missing (apt-get install chromium)")


def axe_or_skip() -> str:
    """axe-core's source; missing is a skip locally and a failure in CI."""
    if AXE.exists():
        return AXE.read_text()
    _missing(f"{AXE.relative_to(ROOT)} is missing (run scripts/browser, or npm ci)")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright; closed on the way out."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``.artifacts/<name>.png``, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class Visitor:
    """One person's browser tab on a site: script errors, console errors and failed loads
    are collected; :meth:`check` runs axe-core on the page and keeps a screenshot.

    Args:
        browser: The browser to open the tab in.
        url: The site's address; paths given to :meth:`goto` are relative to it.
        shots: The prefix of the screenshots' names (``<shots>-<name>.png``).
    """

    def __init__(self, browser: Browser, url: str, *, shots: str) -> None:
        self.url = url
        self.shots = shots
        self.axe = axe_or_skip()
        self.page: Page = browser.new_page(viewport={"width": 900, "height": 900})
        self.errors: list[str] = []
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
        self.page.goto(path if path.startswith("http") else self.url + path)

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
        screenshot(page, f"{self.shots}-{name}")

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
