"""``schooner users``: create, set-password, list, sync-permissions, grant, deactivate.

The commands commit for real (each runs its own event loop, as from a shell), so every test
builds its app with ``isolated=False``: the rows are deleted after the test.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from schooner import App, Settings
from schooner.cli import main
from schooner.contrib.auth import Auth, AuthEvent, Identity, User
from schooner.contrib.orm import AsyncSession, Database
from schooner.contrib.sessions import Sessions

from .conftest import PASSWORD, AppFactory, make_user

T = TypeVar("T")

NEW_PASSWORD = "a long and new pass phrase"


def users_group(app: App) -> click.Command:
    """The ``users`` group the app's Auth component contributed."""
    (group,) = [command for command in app.commands if command.name == "users"]
    return group


def users(app: App, *args: str, input: str | None = None, ok: bool = True) -> Result:
    """Run ``schooner users ARGS`` for ``app``; with ``ok``, check that it succeeded."""
    result = CliRunner().invoke(users_group(app), list(args), input=input)
    if ok:
        assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def refused(result: Result, message: str) -> None:
    """The command ended with exit status 1 and ``message``, not a traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.output
    assert "Traceback" not in result.output


def auth_of(app: App) -> Auth:
    """The app's Auth component."""
    auth = app.component(Auth)
    assert auth is not None
    return auth


def run(app: App, coroutine: Awaitable[T]) -> T:
    """Await ``coroutine`` with the app's database started, from this synchronous test (the
    engine is disposed of afterwards, with this event loop)."""
    database = auth_of(app).database

    async def main() -> T:
        async with database.running():
            return await coroutine

    return asyncio.run(main())


def query(app: App, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in a transaction of the app's database."""

    async def transaction() -> T:
        async with auth_of(app).database.transaction() as db:
            return await work(db)

    return run(app, transaction())


def stored_user(app: App, email: str) -> User | None:
    """The stored account with this e-mail address."""

    async def find(db: AsyncSession) -> User | None:
        user: User | None = await db.scalar(select(User).where(User.email_key == email.lower()))
        return user

    return query(app, find)


@pytest.fixture
def app(make_auth_app: AppFactory) -> App:
    """The account app, committing for real, with a permission of its own."""
    return make_auth_app(isolated=False, permissions=[("reports", "export", "Can export")])


def test_create_asks_for_the_password_twice(app: App) -> None:
    """create prompts for the e-mail and a hidden password, confirmed; the address is verified."""
    result = users(app, "create", input=f"Ada@Example.com\n{PASSWORD}\n{PASSWORD}\n")
    assert "Created the account Ada@Example.com." in result.output
    assert PASSWORD not in result.output  # hidden input
    user = stored_user(app, "ada@example.com")
    assert user is not None
    assert (user.email_verified, user.is_staff, user.is_superuser) == (True, False, False)
    assert asyncio.run(auth_of(app).hasher.verify(PASSWORD, user.password)).valid

    async def events(db: AsyncSession) -> list[tuple[str, Any]]:
        rows = await db.scalars(select(AuthEvent).where(AuthEvent.user_id == user.id))
        return [(event.kind, event.details) for event in rows]

    assert query(app, events) == [("registered", {"via": "cli"})]


def test_superuser_implies_staff(app: App) -> None:
    """--superuser makes a staff superuser; --staff alone makes staff."""
    users(app, "create", "--email", "root@example.com", "--superuser", input=f"{PASSWORD}\n" * 2)
    users(app, "create", "--email", "staff@example.com", "--staff", input=f"{PASSWORD}\n" * 2)
    root = stored_user(app, "root@example.com")
    staff = stored_user(app, "staff@example.com")
    assert root is not None
    assert staff is not None
    assert (root.is_staff, root.is_superuser) == (True, True)
    assert (staff.is_staff, staff.is_superuser) == (True, False)


def test_a_refused_password_is_asked_again(app: App) -> None:
    """Typed passwords the validators refuse are explained, then asked for again."""
    result = users(
        app,
        "create",
        "--email",
        "ada@example.com",
        input=f"12345\n12345\nada@example.com\nada@example.com\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert "This password is too short" in result.output
    assert "This password is entirely numeric." in result.output
    assert "too similar to your e-mail address" in result.output
    assert stored_user(app, "ada@example.com") is not None


def test_password_from_stdin(app: App) -> None:
    """--password-stdin reads one line; a refused one ends the command with every reason."""
    users(app, "create", "--email", "ada@example.com", "--password-stdin", input=PASSWORD + "\n")
    user = stored_user(app, "ada@example.com")
    assert user is not None
    assert asyncio.run(auth_of(app).hasher.verify(PASSWORD, user.password)).valid

    result = users(
        app, "create", "--email", "bob@example.com", "--password-stdin", input="123\n", ok=False
    )
    refused(result, "The password was refused: This password is too short")
    assert "entirely numeric" in result.output
    assert stored_user(app, "bob@example.com") is None
    refused(
        users(app, "create", "--email", "bob@example.com", "--password-stdin", ok=False),
        "No password on standard input.",
    )


def test_no_input_makes_an_account_without_a_password(app: App) -> None:
    """--no-input asks nothing: the account has no usable password until set-password."""
    result = users(app, "create", "--email", "ada@example.com", "--no-input")
    assert "It has no password yet: schooner users set-password ada@example.com" in result.output
    user = stored_user(app, "ada@example.com")
    assert user is not None
    assert not auth_of(app).hasher.is_usable(user.password)
    usage = users(app, "create", "--no-input", ok=False)
    assert usage.exit_code == 2
    assert "--no-input needs --email." in usage.output


def test_taken_addresses_and_usernames_are_refused(app: App) -> None:
    """An address taken in another case, or a taken username, fails before any prompt."""
    users(app, "create", "--email", "ada@example.com", "--username", "ada", "--no-input")
    refused(
        users(app, "create", "--email", " ADA@example.com ", "--no-input", ok=False),
        "An account with the e-mail address ADA@example.com exists.",
    )
    refused(
        users(app, "create", "--email", "bob@example.com", "--username", "ada", ok=False),
        "The username 'ada' is taken.",
    )
    refused(
        users(app, "create", "--email", "not an address", "--no-input", ok=False),
        "email:",
    )


def test_set_password_signs_out_everywhere(app: App) -> None:
    """set-password stores the new hash and a new security stamp; unknown e-mails fail."""
    before = run(app, make_user(app))
    result = users(app, "set-password", "ADA@example.com", input=f"{NEW_PASSWORD}\n" * 2)
    assert "Set the password of ada@example.com." in result.output
    after = stored_user(app, "ada@example.com")
    assert after is not None
    assert asyncio.run(auth_of(app).hasher.verify(NEW_PASSWORD, after.password)).valid
    assert after.security_stamp != before.security_stamp
    refused(
        users(app, "set-password", "nobody@example.com", ok=False),
        "No account has the e-mail address 'nobody@example.com'.",
    )
    refused(
        users(app, "set-password", "ada@example.com", "--password-stdin", input="ada\n", ok=False),
        "The password was refused",
    )


def test_list_as_a_table_and_as_json(app: App) -> None:
    """list shows every account oldest first; --staff filters; --json is machine-readable."""
    assert users(app, "list").output == "No accounts.\n"
    run(app, make_user(app, username="ada"))
    run(app, make_user(app, "root@example.com", is_staff=True, is_superuser=True))
    run(app, make_user(app, "new@example.com", email_verified=False, is_active=False))
    lines = users(app, "list").output.splitlines()
    assert lines[0].split() == ["ID", "EMAIL", "USERNAME", "STATUS", "LAST", "LOGIN"]
    assert [line.split()[1:] for line in lines[1:]] == [
        ["ada@example.com", "ada", "-", "never"],
        ["root@example.com", "-", "staff,", "superuser", "never"],
        ["new@example.com", "-", "inactive,", "unverified", "never"],
    ]
    staff = json.loads(users(app, "list", "--staff", "--json").output)
    assert [row["email"] for row in staff] == ["root@example.com"]
    assert set(staff[0]) == {
        "id",
        "email",
        "username",
        "is_active",
        "is_staff",
        "is_superuser",
        "email_verified",
        "last_login",
        "date_joined",
    }
    assert "password" not in users(app, "list", "--json").output


def test_sync_permissions_then_grant(app: App) -> None:
    """sync-permissions stores the permissions once; grant gives them to an account."""
    first = users(app, "sync-permissions").output
    assert first.startswith("Added ")
    assert first != "Added 0 permissions.\n"
    assert users(app, "sync-permissions").output == "Added 0 permissions.\n"
    ada = run(app, make_user(app))
    result = users(app, "grant", "ada@example.com", "reports.export", "auth.view_user")
    assert result.output == "Granted reports.export, auth.view_user to ada@example.com.\n"
    granted = run(app, auth_of(app).permissions_of(Identity(user=ada)))
    assert granted == {"reports.export", "auth.view_user"}
    refused(
        users(app, "grant", "ada@example.com", "reports.fly", ok=False),
        "No permission reports.fly is stored.",
    )
    refused(
        users(app, "grant", "nobody@example.com", "reports.export", ok=False),
        "No account has the e-mail address",
    )


def test_deactivate(app: App) -> None:
    """deactivate disables the account and changes its stamp (its sessions end)."""
    before = run(app, make_user(app))
    assert users(app, "deactivate", "ada@example.com").output == "Deactivated ada@example.com.\n"
    after = stored_user(app, "ada@example.com")
    assert after is not None
    assert not after.is_active
    assert after.security_stamp != before.security_stamp


@pytest.fixture
def empty_database(tmp_path: Path) -> App:
    """An app whose database has no tables at all."""
    return App(
        settings=Settings(secret_key="test-secret-key-" + "x" * 32),
        components=[
            Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"),
            Sessions(),
            Auth(api=False, pages=False),
        ],
    )


def test_a_database_without_the_tables(empty_database: App) -> None:
    """Before migrations ran, the commands say so instead of showing a traceback."""
    refused(users(empty_database, "list", ok=False), "`schooner db migrate` creates them")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_group_is_a_schooner_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app: App
) -> None:
    """`schooner --app FILE users list` finds the group through the app's components."""
    url = auth_of(app).database.url.render_as_string(hide_password=False)
    module = tmp_path / "accounts_cli_app.py"
    module.write_text(
        textwrap.dedent(
            f"""
            from schooner import App, Settings
            from schooner.contrib.auth import Auth
            from schooner.contrib.orm import Database
            from schooner.contrib.sessions import Sessions

            app = App(
                settings=Settings(secret_key="x" * 40),
                components=[Database({url!r}), Sessions(), Auth(api=False, pages=False)],
            )
            """
        )
    )
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "accounts_cli_app", raising=False)
    run(app, make_user(app))
    result = CliRunner().invoke(main, ["--app", str(module), "users", "list"], prog_name="schooner")
    assert result.exit_code == 0, result.output
    assert "ada@example.com" in result.output
    assert "users" in CliRunner().invoke(main, ["--app", str(module), "--help"]).output
