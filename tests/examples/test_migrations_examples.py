"""The migration examples of docs/database.md: migrations_conftest.py and migrations_test.py.

A project laid out like the docs describe (the to-do example next to its conftest) runs its
tests on the schema its migrations build.
"""

from __future__ import annotations

import shutil
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
