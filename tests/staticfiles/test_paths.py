"""Tests for the pure path functions: safe segments, resolving in a root, fingerprint names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schooner.staticfiles._paths import (
    fingerprint_name,
    resolve_in,
    split_fingerprint,
    split_request_path,
)

DIGEST = "0123456789ab"


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("/site.css", ("site.css",)),
        ("css/site.css", ("css", "site.css")),
        ("/a b/ü.txt", ("a b", "ü.txt")),
        ("/%2e%2e/secret", ("%2e%2e", "secret")),  # double-encoded: stays literal text
        ("/x..y/z", ("x..y", "z")),
    ],
)
def test_safe_paths_split_into_segments(path: str, segments: tuple[str, ...]) -> None:
    """Ordinary paths become their segments; a '%2e' left after decoding is just text."""
    assert split_request_path(path) == segments


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/",
        "/../secret.txt",
        "/css/../../secret.txt",
        "/./site.css",
        "/css/",
        "//etc/passwd",
        "/css//site.css",
        "/..\\secret.txt",
        "/css\\..\\..\\secret.txt",
        "/site.css\x00.txt",
        "/C:/Windows/win.ini",
        "/site.css::$DATA",
        "/.env",
        "/.git/config",
        "/css/.hidden.css",
        "/bell\x07",
        "/del\x7f",
    ],
)
def test_unsafe_paths_are_refused(path: str) -> None:
    """Traversal, absolute paths, backslashes, drives, NUL, controls and hidden names: None."""
    assert split_request_path(path) is None


def test_resolve_in_finds_regular_files_only(tmp_path: Path) -> None:
    """A file inside the root resolves; a folder or a missing name does not."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body{}")
    assert resolve_in(tmp_path, ("css", "site.css")) == tmp_path / "css" / "site.css"
    assert resolve_in(tmp_path, ("css",)) is None
    assert resolve_in(tmp_path, ("css", "missing.css")) is None
    assert resolve_in(tmp_path, ("css", "site.css", "x")) is None


def test_resolve_in_follows_symlinks_only_inside_the_root(tmp_path: Path) -> None:
    """A symlink to a file in the root works; one leading out of the root does not."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "real.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    os.symlink(root / "real.txt", root / "alias.txt")
    os.symlink(tmp_path / "secret.txt", root / "escape.txt")
    os.symlink(tmp_path, root / "up")
    os.symlink(root / "loop", root / "loop")
    assert resolve_in(root, ("alias.txt",)) == root / "real.txt"
    assert resolve_in(root, ("escape.txt",)) is None
    assert resolve_in(root, ("up", "secret.txt")) is None
    assert resolve_in(root, ("loop",)) is None


@pytest.mark.parametrize(
    ("name", "fingerprinted"),
    [
        ("site.css", f"site.{DIGEST}.css"),
        ("css/site.min.css", f"css/site.min.{DIGEST}.css"),
        ("dist/app.tar.gz", f"dist/app.tar.{DIGEST}.gz"),
        ("LICENSE", f"LICENSE.{DIGEST}"),
        ("a.", f"a..{DIGEST}"),
        ("data.fedcba987654", f"data.{DIGEST}.fedcba987654"),
        ("x/y/z.js", f"x/y/z.{DIGEST}.js"),
    ],
)
def test_fingerprint_names_round_trip(name: str, fingerprinted: str) -> None:
    """The digest goes before the last extension, and splitting finds the original again."""
    assert fingerprint_name(name, DIGEST) == fingerprinted
    assert (name, DIGEST) in split_fingerprint(fingerprinted)


@pytest.mark.parametrize(
    "name", ["site.css", "site.0123456789.css", "site.0123456789AB.css", f".{DIGEST}", DIGEST]
)
def test_names_without_a_fingerprint(name: str) -> None:
    """Short, upper-case or stem-less digests are not fingerprints."""
    assert split_fingerprint(name) == []
