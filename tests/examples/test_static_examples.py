"""The examples of docs/static.md: static_app.py and static_mount.py."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from _loading import docs_example
from click.testing import CliRunner

from schooner.cli import main
from schooner.testing import AsyncTestClient, TestClient

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "docs"
ASSETS = EXAMPLES / "static_assets"


def load(name: str) -> ModuleType:
    """Import examples/docs/<name>.py afresh under a private name."""
    return docs_example(name, "static_example")


def fingerprint(path: Path) -> str:
    """The digest static_url puts into a file's name."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_static_app_links_fingerprinted_files() -> None:
    """static_app.py: the page links the project's CSS and the theme's logo by fingerprint."""
    app = load("static_app").app
    project_css = ASSETS / "project" / "css" / "site.css"
    logo = ASSETS / "theme" / "img" / "logo.svg"
    css_url = f"/static/css/site.{fingerprint(project_css)}.css"
    logo_url = f"/static/img/logo.{fingerprint(logo)}.svg"
    with TestClient(app, headers={"accept-encoding": "identity"}) as client:
        page = client.get("/").text
        assert f'<link rel="stylesheet" href="{css_url}">' in page
        assert f'<img src="{logo_url}" alt="logo">' in page
        css = client.get(css_url)
        assert css.content == project_css.read_bytes()
        assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert css.headers["content-type"] == "text/css; charset=utf-8"
        assert css.headers["vary"] == "Accept-Encoding"
        plain = client.get("/static/css/site.css")
        assert plain.headers["cache-control"] == "no-cache"
        assert client.get(logo_url).headers["content-type"] == "image/svg+xml; charset=utf-8"


async def test_static_app_gzip_sibling_matches_the_css() -> None:
    """The site.css.gz shipped next to site.css is its gzip form, sent to gzip clients."""
    css = ASSETS / "project" / "css" / "site.css"
    sibling = css.with_name("site.css.gz")
    assert gzip.decompress(sibling.read_bytes()) == css.read_bytes()
    app = load("static_app").app
    headers = {"accept-encoding": "gzip"}
    async with (
        AsyncTestClient(app) as client,
        client.stream("GET", "/static/css/site.css", headers=headers) as response,
    ):
        assert response.headers["content-encoding"] == "gzip"
        assert b"".join([chunk async for chunk in response.aiter_raw()]) == sibling.read_bytes()


def test_static_app_collect(tmp_path: Path) -> None:
    """`schooner static collect examples/docs/static_app.py -o DIR`, as the docs show."""
    out = tmp_path / "collected"
    result = CliRunner().invoke(
        main, ["static", "collect", str(EXAMPLES / "static_app.py"), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = json.loads((out / "manifest.json").read_text())["files"]
    css = ASSETS / "project" / "css" / "site.css"
    assert files == {
        "/static/css/site.css": f"/static/css/site.{fingerprint(css)}.css",
        "/static/img/logo.svg": (
            f"/static/img/logo.{fingerprint(ASSETS / 'theme' / 'img' / 'logo.svg')}.svg"
        ),
    }
    assert (out / "static" / "css" / f"site.{fingerprint(css)}.css.gz").exists()


def test_collect_output_shown_in_the_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console session in docs/static.md prints what the command really prints."""
    monkeypatch.chdir(tmp_path)
    app_file = str(EXAMPLES / "static_app.py")
    result = CliRunner().invoke(main, ["static", "collect", app_file, "--output", "build/site"])
    assert result.output == "Collected 2 files from 2 folders into build/site.\n"
    page = (ROOT / "docs" / "static.md").read_text()
    command = "$ schooner static collect examples/docs/static_app.py --output build/site"
    assert f"{command}\n{result.output}" in page


def test_nginx_config_tells_fingerprints_apart() -> None:
    """static_nginx.conf's regex location matches fingerprinted names only."""
    conf = (EXAMPLES / "static_nginx.conf").read_text()
    pattern = re.search(r'location ~ "([^"]+)"', conf)
    assert pattern is not None
    css = ASSETS / "project" / "css" / "site.css"
    assert re.search(pattern.group(1), f"/static/css/site.{fingerprint(css)}.css")
    assert re.search(pattern.group(1), f"/static/LICENSE.{fingerprint(css)}")
    assert not re.search(pattern.group(1), "/static/css/site.css")
    assert "max-age=31536000, immutable" in conf
    assert "gzip_static on;" in conf


def test_static_mount() -> None:
    """static_mount.py: StaticFiles mounted by hand, with its own Cache-Control."""
    module = load("static_mount")
    notes = ASSETS / "downloads" / "notes.txt"
    with TestClient(module.app, headers={"accept-encoding": "identity"}) as client:
        url = client.get("/latest").json()["notes"]
        assert url == f"/downloads/notes.{fingerprint(notes)}.txt"
        assert client.get(url).content == notes.read_bytes()
        plain = client.get("/downloads/notes.txt")
        assert plain.headers["cache-control"] == "public, max-age=300"
        assert plain.headers["content-type"] == "text/plain; charset=utf-8"
        assert client.post("/downloads/notes.txt").status_code == 405


@pytest.fixture(autouse=True)
def _forget_example_modules() -> None:
    """Examples are imported afresh by each test."""
    for name in [n for n in sys.modules if n.startswith("static_example_")]:
        del sys.modules[name]
