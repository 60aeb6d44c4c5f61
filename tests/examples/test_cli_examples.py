"""The command-line examples of docs/cli.md run as shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from schooner.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("SCHOONER_APP", "SCHOONER_ENVIRONMENT", "SCHOONER_DEBUG", "SCHOONER_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)


def test_app_command_runs_and_is_listed() -> None:
    """The greet command of examples/docs/cli_command.py is listed and says hello."""
    app = str(ROOT / "examples" / "docs" / "cli_command.py")
    runner = CliRunner()
    listed = runner.invoke(main, ["--app", app, "--help"])
    assert "greet" in listed.output
    result = runner.invoke(main, ["--app", app, "greet", "--who", "crew"])
    assert result.exit_code == 0, result.output
    assert result.output == "Hello, crew!\n"


def test_routes_output_matches_the_page() -> None:
    """The routes table shown in docs/cli.md is what the command prints."""
    result = CliRunner().invoke(main, ["routes", str(ROOT / "examples" / "hello" / "app.py")])
    page = (ROOT / "docs" / "cli.md").read_text()
    assert result.exit_code == 0, result.output
    assert result.output.strip() in page


def test_middleware_output_matches_the_page() -> None:
    """The middleware chain shown in docs/cli.md is what the command prints."""
    hello = str(ROOT / "examples" / "hello" / "app.py")
    result = CliRunner().invoke(main, ["middleware", hello, "--path", "/items/1"])
    page = (ROOT / "docs" / "cli.md").read_text()
    assert result.exit_code == 0, result.output
    assert result.output.strip() in page
