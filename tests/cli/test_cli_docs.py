"""docs/cli.md agrees with the commands: their help, every option, the defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from schooner.cli import main

ROOT = Path(__file__).resolve().parents[2]
TODO = ROOT / "examples" / "todo"
PAGE = (ROOT / "docs" / "cli.md").read_text()


def shown_output(command: str) -> str:
    """The output the page shows after ``$ command``, up to the end of its code block."""
    start = PAGE.index(f"$ {command}\n") + len(f"$ {command}\n")
    return PAGE[start : PAGE.index("```", start)]


def help_of(*args: str) -> str:
    """``schooner *args --help`` in the current folder."""
    result = CliRunner().invoke(main, [*args, "--help"], prog_name="schooner")
    assert result.exit_code == 0, result.output
    return result.output


@dataclass
class TodoCli:
    """What the command line offers in examples/todo, whose app has a Database component."""

    help: str
    db_help: str
    commands: list[tuple[str, click.Command]]


@pytest.fixture(scope="module")
def todo_cli() -> Iterator[TodoCli]:
    """The command line of examples/todo, seen once: its models join Model.metadata for good,
    so the app is imported once per session (as the todo example's own tests do)."""
    before = Path.cwd()
    os.chdir(TODO)
    try:
        root = click.Context(main, info_name="schooner")
        yield TodoCli(help_of(), help_of("db"), every_command(main, root))
    finally:
        os.chdir(before)


def every_command(group: click.Group, ctx: click.Context) -> list[tuple[str, click.Command]]:
    """``(path, command)`` for every command under ``group``, subcommands included."""
    found: list[tuple[str, click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append((name, command))
        if isinstance(command, click.Group):
            sub = click.Context(command, info_name=name, parent=ctx)
            found += [(f"{name} {path}", c) for path, c in every_command(command, sub)]
    return found


def test_the_page_shows_the_real_help(todo_cli: TodoCli) -> None:
    """The `schooner --help` on the page is what the command prints, `db` included."""
    assert shown_output("cd examples/todo && schooner --help") == todo_cli.help


def test_the_page_shows_the_real_db_help(todo_cli: TodoCli) -> None:
    """The `schooner db --help` on the page is what the command prints."""
    assert shown_output("cd examples/todo && schooner db --help") == todo_cli.db_help


def test_every_command_and_option_is_documented(todo_cli: TodoCli) -> None:
    """Each command (db's too) has its name and each of its options on the page."""
    commands = todo_cli.commands
    assert {"run", "serve", "routes", "middleware", "settings", "openapi", "static", "db"} <= {
        path for path, _ in commands
    }
    missing = []
    for path, command in commands:
        if f"`{path}" not in PAGE and f"`schooner {path}" not in PAGE:
            missing.append(path)
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in [*param.opts, *param.secondary_opts]:
                    if f"`{opt}" not in PAGE and f"/{opt}`" not in PAGE:
                        missing.append(f"{path} {opt}")
    assert missing == []


@pytest.mark.parametrize("command", ["run", "serve"])
def test_option_tables_show_the_defaults(command: str) -> None:
    """In the run and serve tables, each option's row shows its real default."""
    section = PAGE[PAGE.index(f"## `schooner {command}`") :]
    section = section[: section.index("\n## ")]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| `-")]
    cli = main.commands[command]
    for param in cli.params:
        if not isinstance(param, click.Option) or param.name == "reload":
            continue
        long = next(opt for opt in param.opts if opt.startswith("--"))
        [row] = [row for row in rows if f"`{long}`" in row[1]]
        default = "none" if param.default is None else f"`{param.default}`"
        assert row[2].strip() == default, (long, row)
