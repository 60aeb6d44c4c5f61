"""End-to-end: examples/hello's OpenAPI document under ``schooner serve``.

schemathesis fuzzes every operation from the served document and checks each response
against it; headless Chromium (Debian's ``chromium``, driven by Playwright) opens ``/docs``
with every non-local request refused and takes a screenshot.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _browser import screenshot
from openapi_spec_validator import validate
from test_serve import Server, server_env, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Route

pytestmark = pytest.mark.e2e

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """examples/hello served by a real process, stopped by PID after the module."""
    log = tmp_path_factory.mktemp("openapi") / "server.log"
    with serving(log, server_env(SCHOONER_ENVIRONMENT="development")) as running:
        yield running


def run_schemathesis(
    server: Server, cwd: Path, *, max_examples: int, seed: int
) -> subprocess.CompletedProcess[str]:
    """schemathesis --checks all on the served document, reproducibly (fixed seed, one worker)."""
    command = [
        str(SCHEMATHESIS),
        "run",
        f"http://127.0.0.1:{server.port}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",
        "--seed",
        str(seed),
        "--generation-database",
        "none",
        "--no-color",
    ]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )


def fetch_document(server: Server) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/openapi.json") as response:
        document: dict[str, object] = json.loads(response.read())
    return document


def test_the_served_document_is_valid(server: Server) -> None:
    """The document examples/hello serves validates against the OpenAPI 3.1 schema."""
    document = fetch_document(server)
    validate(document)
    assert document["info"] == {
        "title": "Hello store",
        "version": "1.0.0",
        "description": "A one-file typed API.",
    }


def test_schemathesis_finds_no_errors(server: Server, tmp_path: Path) -> None:
    """Every check passes: no 5xx, every status, header, type and body as documented."""
    result = run_schemathesis(server, tmp_path, max_examples=40, seed=20261130)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "No issues found" in output
    assert "Operations:       5 selected / 5 total" in output


def test_docs_ui_renders_offline_in_chromium(browser: Browser, server: Server) -> None:
    """/docs lists every operation with no request leaving 127.0.0.1; a screenshot is kept."""
    local = f"http://127.0.0.1:{server.port}/"
    refused: list[str] = []
    requested: list[str] = []

    def only_local(route: Route) -> None:
        url = route.request.url
        requested.append(url)
        if url.startswith(local):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    document = fetch_document(server)
    paths = document["paths"]
    assert isinstance(paths, dict)
    operations = [(m.upper(), p) for p, ops in paths.items() for m in ops]

    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    page.route("**/*", only_local)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(local + "docs", wait_until="networkidle")
    page.wait_for_selector(".opblock", timeout=15_000)
    blocks = page.locator(".opblock")
    assert blocks.count() == len(operations)
    shown = {
        (
            blocks.nth(i).locator(".opblock-summary-method").inner_text().strip(),
            blocks.nth(i).locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for i in range(blocks.count())
    }
    assert shown == set(operations)
    assert page.locator(".info .title").inner_text().startswith("Hello store")
    shot = screenshot(page, "docs-ui")
    assert shot.stat().st_size > 10_000
    assert refused == []
    assert errors == []
    assert any(url.endswith("/docs/swagger-ui-bundle.js") for url in requested)


@pytest.fixture(autouse=True, scope="module")
def _schemathesis_available() -> None:
    """schemathesis is a dev dependency; its command sits next to this Python."""
    if not SCHEMATHESIS.exists() and shutil.which("schemathesis") is None:
        pytest.fail("schemathesis is not installed in this environment (pip install -e '.[dev]')")
