"""The migration examples of docs/database.md.

A project laid out like the docs describe (the to-do example next to its conftest) runs its
tests on the schema its migrations build (migrations_conftest.py and migrations_test.py); a
project whose table refers to a battery's migrates after the battery's own migrations
(migrations_project.py with migrations_battery.py and its guestbook_migrations/ folder).
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "docs"

pytest_plugins = ["pytester"]


def test_tests_run_on_the_migrated_schema(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conftest migrates the throwaway database once; each test is rolled back."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    shutil.copytree(
        ROOT / "examples" / "todo",
        pytester.path / "todo",
        ignore=shutil.ignore_patterns("*.db*", "__pycache__"),
    )
    shutil.copy(EXAMPLES / "migrations_conftest.py", pytester.path / "conftest.py")
    shutil.copy(EXAMPLES / "migrations_test.py", pytester.path / "test_todo.py")
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def schooner_db(project: Path, *args: str) -> str:
    """Run ``schooner db ARGS`` in ``project`` in a fresh interpreter; return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "schooner.cli", "db", *args],
        cwd=project,
        env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{project / 'app.db'}"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def entries(project: Path) -> list[str]:
    """The texts of the guestbook entries in the project's SQLite database."""
    with contextlib.closing(sqlite3.connect(project / "app.db")) as connection:
        return [text for (text,) in connection.execute("SELECT text FROM guestbook_entries")]


def test_a_battery_migrates_before_the_project_that_refers_to_it(tmp_path: Path) -> None:
    """The battery's branch applies first, then its after_migrate welcome entry (once); the
    project's replies depend on the branch; check agrees."""
    shutil.copy(EXAMPLES / "migrations_project.py", tmp_path / "app.py")
    shutil.copy(EXAMPLES / "migrations_battery.py", tmp_path)
    shutil.copytree(EXAMPLES / "guestbook_migrations", tmp_path / "guestbook_migrations")
    schooner_db(tmp_path, "init")
    assert "pending 9fb8dad640c5 (guestbook)" in schooner_db(tmp_path, "current")
    assert "Applied 9fb8dad640c5 (guestbook)" in schooner_db(tmp_path, "migrate")
    assert entries(tmp_path) == ["Welcome! Sign below."]  # the battery's after_migrate
    assert "Nothing to apply." in schooner_db(tmp_path, "migrate")
    assert entries(tmp_path) == ["Welcome! Sign below."]  # once, however often it runs

    made = schooner_db(tmp_path, "makemigrations", "-m", "replies")
    assert "+ table replies" in made
    assert "guestbook_entries" not in made
    match = re.search(r"Created (\S+\.py)", made)
    assert match is not None
    declared = {
        node.target.id: ast.literal_eval(node.value)
        for node in ast.parse((tmp_path / match.group(1)).read_text()).body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value
    }
    assert declared["down_revision"] is None
    assert declared["depends_on"] == "9fb8dad640c5"

    assert "Applied" in schooner_db(tmp_path, "migrate")
    assert "models and migrations agree" in schooner_db(tmp_path, "check")
    reverted = schooner_db(tmp_path, "downgrade", "base")
    assert reverted.index(str(declared["revision"])) < reverted.index("9fb8dad640c5")
