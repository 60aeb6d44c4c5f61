"""Tests for the manifest: scanning folders, hashing, overriding and looking names up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schooner.staticfiles import Manifest, UnknownStaticFile

from ._support import CSS, Folders, digest


def test_scan_hashes_every_servable_file(folders: Folders) -> None:
    """Each file gets the first 12 hex characters of its SHA-256 and a fingerprinted name."""
    manifest = Manifest.scan([folders.project])
    css = manifest.files["css/site.css"]
    assert css.digest == digest(CSS)
    assert css.fingerprinted == f"css/site.{digest(CSS)}.css"
    assert css.path == folders.project / "css" / "site.css"
    assert manifest.as_dict()["dist/bundle.tar.gz"] == (
        f"dist/bundle.tar.{digest(b'a tarball')}.gz"
    )


def test_scan_skips_hidden_files_siblings_and_escaping_symlinks(folders: Folders) -> None:
    """Dotfiles, .br/.gz siblings and symlinks out of the folder are not files of their own."""
    names = set(Manifest.scan([folders.project]).files)
    assert names == {
        "blob.unknownext",
        "css/site.css",
        "data.json",
        "dist/bundle.tar.gz",  # no bundle.tar next to it: a download, not a sibling
        "js/app.js",
        "logo.svg",
        "robots-alias.txt",  # a symlink inside the folder is fine
        "robots.txt",
    }


def test_siblings_are_recorded_br_first(folders: Folders) -> None:
    """site.css.br and site.css.gz are the precompressed forms of site.css."""
    files = Manifest.scan([folders.project]).files
    assert files["css/site.css"].encodings == (
        ("br", folders.project / "css" / "site.css.br"),
        ("gzip", folders.project / "css" / "site.css.gz"),
    )
    assert [coding for coding, _ in files["js/app.js"].encodings] == ["gzip"]
    assert files["robots.txt"].encodings == ()


def test_a_sibling_symlinked_out_of_the_folder_is_ignored(folders: Folders) -> None:
    """A .gz that is a symlink to a file outside the folder is never sent."""
    os.symlink(folders.secret, folders.project / "robots.txt.gz")
    assert Manifest.scan([folders.project]).files["robots.txt"].encodings == ()


def test_first_folder_wins(folders: Folders) -> None:
    """The project's css/site.css hides the theme's; the theme's other files still count."""
    files = Manifest.scan([folders.project, folders.theme]).files
    assert files["css/site.css"].digest == digest(CSS)
    assert files["img/logo.png"].path == folders.theme / "img" / "logo.png"
    reversed_files = Manifest.scan([folders.theme, folders.project]).files
    assert reversed_files["css/site.css"].digest == digest(b"theme css")


def test_symlink_loops_are_walked_once(tmp_path: Path) -> None:
    """A folder symlinked to its own parent does not make the scan loop forever."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.txt").write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "a" / "again")
    assert set(Manifest.scan([tmp_path]).files) == {"a/f.txt"}


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("css/site.css", "text/css; charset=utf-8"),
        ("js/app.js", "text/javascript; charset=utf-8"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("data.json", "application/json; charset=utf-8"),
        ("logo.svg", "image/svg+xml; charset=utf-8"),
        ("blob.unknownext", "application/octet-stream"),
        ("dist/bundle.tar.gz", "application/x-tar"),
    ],
)
def test_media_types(folders: Folders, name: str, media_type: str) -> None:
    """Content types come from the extension, with charset=utf-8 for textual ones."""
    assert Manifest.scan([folders.project]).files[name].media_type == media_type


def test_lookup_by_plain_and_fingerprinted_name(folders: Folders) -> None:
    """The plain name and the current fingerprint find the file; another digest does not."""
    manifest = Manifest.scan([folders.project])
    css = manifest.files["css/site.css"]
    assert manifest.lookup("css/site.css") == (css, False)
    assert manifest.lookup(f"css/site.{digest(CSS)}.css") == (css, True)
    assert manifest.lookup("css/site.000000000000.css") is None
    assert manifest.lookup(f"site.{digest(CSS)}.css") is None
    assert manifest.lookup("missing.css") is None


def test_fingerprinted_of_an_unknown_name(folders: Folders) -> None:
    """Asking for the fingerprint of a file that was not found is a clear error."""
    manifest = Manifest.scan([folders.project])
    assert manifest.fingerprinted("/css/site.css") == f"css/site.{digest(CSS)}.css"
    with pytest.raises(UnknownStaticFile, match=r"No static file is named 'nope\.css'"):
        manifest.fingerprinted("nope.css")
    assert len(manifest) == 8
    assert "css/site.css" in manifest
