"""Tests for static files in an App: add_static_dir, components, static_url and root paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from schooner import App
from schooner.staticfiles import UnknownStaticFile
from schooner.testing import TestClient

from ._support import CSS, PNG, Folders, call, digest


class Theme:
    """A component that ships a static folder."""

    name = "theme"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def setup(self, app: App) -> None:
        """Declare the theme's folder."""
        app.add_static_dir(self.folder)


def test_static_url_is_fingerprinted(folders: Folders) -> None:
    """static_url gives the prefix and fingerprinted name of the file that is served."""
    app = App()
    app.add_static_dir(folders.project)
    app.add_component(Theme(folders.theme))
    assert app.static_url("css/site.css") == f"/static/css/site.{digest(CSS)}.css"
    assert app.static_url("/css/site.css") == f"/static/css/site.{digest(CSS)}.css"
    assert app.static_url("img/logo.png") == f"/static/img/logo.{digest(PNG)}.png"


def test_declaration_order_decides_overrides(folders: Folders) -> None:
    """A component set up before the project's folder wins, as its folder is declared first."""
    app = App(components=[Theme(folders.theme)])
    app.add_static_dir(folders.project)
    with TestClient(app) as client:
        assert client.get("/static/css/site.css").content == b"theme css"
        url = app.static_url("css/site.css")
        assert url == f"/static/css/site.{digest(b'theme css')}.css"
        assert client.get(url).content == b"theme css"
        assert client.get("/static/robots.txt").status_code == 200


def test_project_static_dirs_override_components(folders: Folders) -> None:
    """App(static_dirs=...) is declared before the components: the project's file wins."""
    app = App(static_dirs=[folders.project], components=[Theme(folders.theme)])
    plain = {"accept-encoding": "identity"}  # the fixture's .gz/.br siblings are not real
    with TestClient(app) as client:
        assert client.get("/static/css/site.css", headers=plain).content == CSS
        assert client.get("/static/img/logo.png", headers=plain).content == PNG  # theme's
    assert app.static_url("css/site.css") == f"/static/css/site.{digest(CSS)}.css"


def test_several_prefixes(folders: Folders) -> None:
    """Folders with different prefixes are served separately; static_url finds the right one."""
    app = App()
    app.add_static_dir(folders.project, prefix="/static")
    app.add_static_dir(folders.theme, prefix="/theme")
    with TestClient(app, headers={"accept-encoding": "identity"}) as client:
        assert client.get("/theme/css/site.css").content == b"theme css"
        assert client.get("/static/img/logo.png").status_code == 404
        assert app.static_url("img/logo.png").startswith("/theme/img/logo.")
        assert app.static_url("css/site.css").startswith("/static/css/site.")
    mounts = [info.path for info in app.route_table if info.methods == ("*",)]
    assert mounts == ["/static/…", "/theme/…"]


def test_routes_take_precedence_over_static_files(folders: Folders) -> None:
    """A route under the static prefix is matched before the static mount."""
    app = App()
    app.add_static_dir(folders.project)

    @app.get("/static/version")
    async def version() -> dict[str, int]:
        return {"version": 1}

    with TestClient(app, headers={"accept-encoding": "identity"}) as client:
        assert client.get("/static/version").json() == {"version": 1}
        assert client.get("/static/robots.txt").content == b"User-agent: *\n"


def test_unknown_file_is_a_clear_error(folders: Folders) -> None:
    """static_url of a missing file names the file and the folders searched."""
    app = App()
    app.add_static_dir(folders.project)
    with pytest.raises(UnknownStaticFile) as error:
        app.static_url("css/missing.css")
    message = str(error.value)
    assert "'css/missing.css'" in message
    assert str(folders.project) in message
    assert isinstance(error.value, LookupError)


def test_no_static_folders_is_a_clear_error() -> None:
    """static_url on an app without static folders says how to declare one."""
    with pytest.raises(UnknownStaticFile, match=r"add_static_dir\('static'\)"):
        App().static_url("site.css")


def test_hidden_files_have_no_url(folders: Folders) -> None:
    """Dotfiles are never in the manifest, so they have no URL either."""
    app = App()
    app.add_static_dir(folders.project)
    with pytest.raises(UnknownStaticFile):
        app.static_url(".env")


def test_root_path(folders: Folders) -> None:
    """Behind a proxy prefix (path includes root_path, as ASGI says) root_path + URL works."""
    app = App()
    app.add_static_dir(folders.project)
    url = app.static_url("robots.txt")
    sent = call(app, b"/proxy" + url.encode(), root_path="/proxy")
    assert sent.status == 200
    assert sent.body == b"User-agent: *\n"
    assert sent.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_files_are_hashed_once_at_build(folders: Folders) -> None:
    """The manifest is computed when the app is built; later edits keep the old fingerprint."""
    app = App()
    app.add_static_dir(folders.project)
    before = app.static_url("robots.txt")
    (folders.project / "robots.txt").write_bytes(b"changed")
    assert app.static_url("robots.txt") == before
    with TestClient(app, headers={"accept-encoding": "identity"}) as client:
        assert client.get(before).content == b"changed"
