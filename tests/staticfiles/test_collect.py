"""Tests for collecting static files: the collect() function and ``schooner static collect``."""

from __future__ import annotations

import json
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from schooner.cli import main
from schooner.exceptions import ImproperlyConfigured
from schooner.staticfiles import StaticFiles, collect, static_apps

from ._support import CSS, PNG, Folders, digest

CSS_NAME = f"css/site.{digest(CSS)}.css"


def test_collect_writes_both_names_siblings_and_manifest(folders: Folders, tmp_path: Path) -> None:
    """Every served file is copied under both names, with its siblings, under its prefix."""
    out = tmp_path / "out"
    apps = static_apps([("/static", folders.project), ("/static", folders.theme)])
    result = collect(apps, out)
    static = out / "static"
    assert (static / "css" / "site.css").read_bytes() == CSS
    assert (static / CSS_NAME).read_bytes() == CSS
    assert (static / "css" / "site.css.br").read_bytes() == b"brotli bytes"
    assert (static / (CSS_NAME + ".br")).read_bytes() == b"brotli bytes"
    assert (static / (CSS_NAME + ".gz")).read_bytes() == b"gzip bytes"
    assert (static / "img" / "logo.png").read_bytes() == PNG
    assert not (static / ".env").exists()
    assert not (static / "escape.txt").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == 1
    assert manifest["files"]["/static/css/site.css"] == f"/static/{CSS_NAME}"
    assert manifest["files"] == result.manifest
    assert result.files == len(manifest["files"]) == 9
    source = folders.project / "css" / "site.css"
    assert (static / CSS_NAME).stat().st_mtime == source.stat().st_mtime


def test_collect_copies_only_the_winning_file(folders: Folders, tmp_path: Path) -> None:
    """When folders override each other, the output holds what the app would serve."""
    out = tmp_path / "out"
    collect(static_apps([("/static", folders.theme), ("/static", folders.project)]), out)
    assert (out / "static" / "css" / "site.css").read_bytes() == b"theme css"
    assert not (out / "static" / CSS_NAME).exists()


def test_collect_keeps_prefixes_apart(folders: Folders, tmp_path: Path) -> None:
    """Each prefix gets its own subtree, so the output mirrors the URLs."""
    out = tmp_path / "out"
    apps = [
        StaticFiles([folders.project], prefix="/static"),
        StaticFiles([folders.theme], prefix="/assets/theme"),
    ]
    result = collect(apps, out)
    assert (out / "assets" / "theme" / "css" / "site.css").read_bytes() == b"theme css"
    assert (out / "static" / "css" / "site.css").read_bytes() == CSS
    assert "/assets/theme/img/logo.png" in result.manifest


def test_clear_removes_stale_files(folders: Folders, tmp_path: Path) -> None:
    """--clear empties a folder a previous collect made; without it stale files stay."""
    out = tmp_path / "out"
    apps = static_apps([("/static", folders.project)])
    collect(apps, out)
    (out / "static" / "stale.css").write_text("old")
    collect(apps, out)
    assert (out / "static" / "stale.css").exists()
    collect(apps, out, clear=True)
    assert not (out / "static" / "stale.css").exists()
    assert (out / "static" / CSS_NAME).exists()


def test_clear_refuses_a_folder_collect_did_not_make(folders: Folders, tmp_path: Path) -> None:
    """A non-empty folder without manifest.json is never deleted."""
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(ImproperlyConfigured, match="Refusing to clear"):
        collect(static_apps([("/static", folders.project)]), out, clear=True)
    assert (out / "thesis.tex").exists()


@pytest.mark.parametrize("where", ["same", "inside", "around"])
def test_output_must_not_overlap_a_source(folders: Folders, where: str) -> None:
    """Collecting into, inside or around a static folder is refused."""
    out = {
        "same": folders.project,
        "inside": folders.project / "build",
        "around": folders.project.parent,
    }[where]
    with pytest.raises(ImproperlyConfigured, match="overlaps the static folder"):
        collect(static_apps([("/static", folders.project)]), out, clear=True)
    assert (folders.project / "css" / "site.css").exists()


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture
def restore_imports(tmp_path: Path) -> Iterator[None]:
    """Undo the sys.path entries and the app modules that loading an app file adds."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        # Only the apps written here: forgetting library modules would import them twice.
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


def write_app(folder: Path, body: str) -> Path:
    """Write an app module with a unique name into ``folder``."""
    path = folder / f"static_app_{uuid.uuid4().hex[:8]}.py"
    path.write_text("from schooner import App\n" + textwrap.dedent(body))
    return path


def invoke(*args: str) -> Result:
    """Run ``schooner *args`` in-process."""
    return CliRunner().invoke(main, list(args), prog_name="schooner")


@pytest.mark.usefixtures("restore_imports")
def test_static_collect_command(folders: Folders, tmp_path: Path) -> None:
    """`schooner static collect APP --output DIR` collects the project's and components' files."""
    app_file = write_app(
        tmp_path,
        f"""
        class Theme:
            name = "theme"

            def setup(self, app):
                app.add_static_dir({str(folders.theme)!r})

        app = App()
        app.add_static_dir({str(folders.project)!r})
        app.add_component(Theme())
        """,
    )
    out = tmp_path / "collected"
    result = invoke("static", "collect", str(app_file), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"Collected 9 files from 2 folders into {out}.\n"
    manifest = json.loads((out / "manifest.json").read_text())["files"]
    assert manifest["/static/css/site.css"] == f"/static/{CSS_NAME}"
    assert (out / "static" / "img" / "logo.png").read_bytes() == PNG
    (out / "static" / "stale.txt").write_text("x")
    again = invoke("--app", str(app_file), "static", "collect", "-o", str(out), "--clear")
    assert again.exit_code == 0, again.output
    assert not (out / "static" / "stale.txt").exists()


@pytest.mark.usefixtures("restore_imports")
def test_static_collect_errors(folders: Folders, tmp_path: Path) -> None:
    """No static folders, an overlapping output or a missing --output fail cleanly."""
    bare = write_app(tmp_path, "app = App()\n")
    result = invoke("static", "collect", str(bare), "--output", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "The app has no static folders" in result.output
    served = write_app(tmp_path, f"app = App()\napp.add_static_dir({str(folders.project)!r})\n")
    inside = folders.project / "out"
    overlap = invoke("static", "collect", str(served), "--output", str(inside))
    assert overlap.exit_code == 1
    assert "overlaps the static folder" in overlap.output
    assert not inside.exists()
    missing = invoke("static", "collect", str(served))
    assert missing.exit_code == 2
    assert "Missing option '--output'" in missing.output


def test_static_group_help() -> None:
    """`schooner static --help` lists the collect command."""
    result = invoke("static", "--help")
    assert result.exit_code == 0
    assert "collect" in result.output
