"""End-to-end: a person writes a blog post in headless Chromium against ``schooner serve``.

The form is filled with a too-short title, the error is shown, it is fixed, and the flash
message appears on the new post's page. Screenshots of both states go to ``.artifacts/``.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_openapi_serve import ARTIFACTS, chromium_or_skip
from test_serve import server_env, serving

pytestmark = pytest.mark.e2e

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """examples/blog served by a real process on a fresh SQLite file, stopped by PID."""
    folder = tmp_path_factory.mktemp("blog")
    env = server_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'blog.db'}",
        SCHOONER_SECRET_KEY="e2e-" + "k" * 40,
    )
    with serving(folder / "server.log", env, app="examples/blog/app.py") as server:
        yield f"http://127.0.0.1:{server.port}"


def test_write_a_post_in_the_browser(base_url: str) -> None:
    """Fill the form, see the error, fix it, see the flash message; take screenshots."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "console",
                lambda msg: errors.append(msg.text) if msg.type == "error" else None,
            )
            page.goto(base_url + "/posts/new")
            page.fill("#id_title", "Hi")
            page.fill("#id_body", "Too short.")
            page.fill("#id_author", "Ada")
            page.click("button[type=submit]")
            page.wait_for_selector("#id_title_errors")
            assert page.inner_text("#id_title_errors") == "Enter at least 5 characters."
            assert page.get_attribute("#id_title", "aria-invalid") == "true"
            assert page.input_value("#id_author") == "Ada"  # kept
            page.screenshot(path=str(ARTIFACTS / "blog-form-errors.png"), full_page=True)

            page.fill("#id_title", "Across the bay")
            page.fill("#id_body", "We sailed across the bay and back before the tide turned.")
            page.click("button[type=submit]")
            page.wait_for_selector(".flash-success")
            assert page.inner_text(".flash-success") == "Post “Across the bay” published."
            assert page.inner_text("h1") == "Across the bay"
            assert Path(urllib.parse.urlsplit(page.url).path).parts[-2:] == ("posts", "1")
            page.screenshot(path=str(ARTIFACTS / "blog-post-published.png"), full_page=True)

            page.goto(base_url + "/")
            assert page.locator("article h2").inner_text() == "Across the bay"
            # The stylesheet loaded under the Content-Security-Policy: the header is styled.
            colour = page.eval_on_selector("header", "e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(31, 58, 95)"
        finally:
            browser.close()
    # Chromium logs the expected 422 (the invalid form) as a failed resource; nothing else.
    assert [e for e in errors if "status of 422" not in e] == []
