"""Fixtures for the CLI tests: isolated imports, environment and working folder."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Run in ``tmp_path`` with no SCHOONER_* variables; undo sys.path and imported apps."""
    monkeypatch.chdir(tmp_path)
    for key in ("SCHOONER_APP", "SCHOONER_ENVIRONMENT", "SCHOONER_DEBUG", "SCHOONER_SECRET_KEY"):
        # setenv first so that the undo also removes a value `schooner run` sets later.
        monkeypatch.setenv(key, "")
        monkeypatch.delenv(key)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    path = list(sys.path)
    before = set(sys.modules)
    yield
    sys.path[:] = path
    roots = (str(tmp_path), str(EXAMPLES))
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None) or ""
        if file.startswith(roots):
            del sys.modules[name]


@pytest.fixture
def write_module(tmp_path: Path) -> Callable[..., str]:
    """Write a module with a unique name into ``tmp_path`` and return that name."""

    def write(source: str, *, name: str | None = None) -> str:
        name = name or f"app_{uuid.uuid4().hex[:10]}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        return name

    return write
