"""Fixtures for the static files tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._support import Folders, make_folders


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    """A project folder with siblings and symlinks, a theme folder, and a secret file."""
    return make_folders(tmp_path)
