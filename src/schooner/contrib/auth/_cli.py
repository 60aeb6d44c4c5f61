"""The ``schooner users`` command group, contributed by the ``Auth`` component.

::

    schooner users create --email ada@example.com --superuser   # asks for the password twice
    schooner users set-password ada@example.com
    schooner users list --staff
    schooner users sync-permissions
    schooner users grant ada@example.com blog.publish_post
    schooner users deactivate ada@example.com

Each command runs on the database of the account tables, in one transaction. What a user
can fix (an unknown e-mail, a taken address, a rejected password, a database without the
account tables) ends the command with a one-line message and exit status 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from schooner.contrib.auth._accounts import clean_email
from schooner.contrib.auth._models import AbstractUser, new_security_stamp
from schooner.contrib.auth._permissions import grant, sync_permissions
from schooner.contrib.auth._validators import validate_password
from schooner.contrib.auth.exceptions import PasswordRejected
from schooner.contrib.mail import InvalidMessage
from schooner.contrib.orm import AsyncSession
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["users_commands"]

T = TypeVar("T")

_PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking.",
)


def users_commands(auth: Auth) -> click.Group:
    """Build the ``users`` group working on ``auth``'s accounts."""

    @click.group("users")
    @click.pass_context
    def users(ctx: click.Context) -> None:
        """Create accounts, set passwords, list users and store permissions."""
        ctx.obj = auth

    for command in _COMMANDS:
        users.add_command(command)
    return users


def _run(auth: Auth, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the account database; clean errors for the user."""

    async def main() -> T:
        async with auth.database.transaction() as db:
            return await work(db)

    return _started(auth, main)


def _started(auth: Auth, main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` with the account database started."""

    async def run() -> T:
        async with auth.database.running():
            return await main()

    with _clean_errors():
        return asyncio.run(run())


@contextlib.contextmanager
def _clean_errors() -> Iterator[None]:
    try:
        yield
    except PasswordRejected as exc:
        raise click.ClickException("The password was refused: " + " ".join(exc.messages)) from None
    except (ImproperlyConfigured, InvalidMessage) as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise click.ClickException(
            f"The database refused: {reason}. Are the account tables there? "
            "(`schooner db migrate` creates them.)"
        ) from None


async def _user(auth: Auth, db: AsyncSession, email: str) -> AbstractUser:
    model = auth.user_model
    user: AbstractUser | None = await db.scalar(
        select(model).where(model.email_key == model.normalize_email(email))
    )
    if user is None:
        raise click.ClickException(f"No account has the e-mail address {email.strip()!r}.")
    return user


def _password(stdin: bool) -> str:
    """A new password: the first line of stdin, or typed twice without echo."""
    if stdin:
        line: str = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
        if not password:
            raise click.ClickException("No password on standard input.")
        return password
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _checked_password(auth: Auth, stdin: bool, attributes: dict[str, str | None]) -> str:
    """A password the validators accept; asked again while they refuse a typed one."""
    while True:
        password = _password(stdin)
        try:
            validate_password(password, attributes=attributes, validators=auth.validators)
        except PasswordRejected as exc:
            if stdin:
                raise
            for message in exc.messages:
                click.echo(message, err=True)
            continue
        return password


# -- create ---------------------------------------------------------------------------------


@click.command()
@click.option("--email", metavar="E", help="The e-mail address, which is the login.")
@click.option("--username", metavar="U", help="An optional unique username.")
@click.option("--superuser", is_flag=True, help="Every permission (implies --staff).")
@click.option("--staff", is_flag=True, help="May use staff pages.")
@click.option(
    "--no-input",
    is_flag=True,
    help="Ask nothing: --email is required, and without --password-stdin the account "
    "gets no usable password (set one later with set-password).",
)
@_PASSWORD_STDIN
@click.pass_obj
def create(
    auth: Auth,
    email: str | None,
    username: str | None,
    superuser: bool,
    staff: bool,
    no_input: bool,
    password_stdin: bool,
) -> None:
    """Create an account whose e-mail address counts as verified."""
    if email is None:
        if no_input:
            raise click.UsageError("--no-input needs --email.")
        email = click.prompt("E-mail address")
    with _clean_errors():
        address = clean_email(str(email))

    async def available(db: AsyncSession) -> None:
        model = auth.user_model
        key = model.normalize_email(address)
        if await db.scalar(select(model.id).where(model.email_key == key)):
            raise click.ClickException(f"An account with the e-mail address {address} exists.")
        if username and await db.scalar(select(model.id).where(model.username == username)):
            raise click.ClickException(f"The username {username!r} is taken.")

    _run(auth, available)
    password: str | None = None
    if password_stdin or not no_input:
        attributes = {"email": address, "username": username}
        with _clean_errors():
            password = _checked_password(auth, password_stdin, attributes)

    async def work(db: AsyncSession) -> AbstractUser:
        await available(db)  # again: someone may have taken them while we asked
        user = auth.user_model(
            email=address,
            username=username or None,
            is_staff=staff or superuser,
            is_superuser=superuser,
            email_verified=True,
        )
        if password is None:
            user.password = auth.hasher.make_unusable()
        else:
            user.password = await auth.hasher.hash(password)
        db.add(user)
        await db.flush()
        await auth.audit.record("registered", session=db, user=user, via="cli")
        return user

    user = _run(auth, work)
    roles = [r for r, on in (("staff", user.is_staff), ("superuser", user.is_superuser)) if on]
    shown = f" ({', '.join(roles)})" if roles else ""
    click.echo(f"Created the account {user.email}{shown}.")
    if password is None:
        click.echo(f"It has no password yet: schooner users set-password {user.email}")


# -- set-password ---------------------------------------------------------------------------


@click.command("set-password")
@click.argument("email")
@_PASSWORD_STDIN
@click.pass_obj
def set_password(auth: Auth, email: str, password_stdin: bool) -> None:
    """Set the password of the account EMAIL; it is signed out everywhere."""

    async def find(db: AsyncSession) -> dict[str, str | None]:
        user = await _user(auth, db, email)
        return {"email": user.email, "username": user.username}

    attributes = _run(auth, find)
    with _clean_errors():
        password = _checked_password(auth, password_stdin, attributes)

    async def work(db: AsyncSession) -> None:
        user = await _user(auth, db, email)
        user.password = await auth.hasher.hash(password)
        user.security_stamp = new_security_stamp()
        await auth.audit.record("password_changed", session=db, user=user, via="cli")

    _run(auth, work)
    click.echo(f"Set the password of {attributes['email']}.")


# -- list -----------------------------------------------------------------------------------


@click.command("list")
@click.option("--staff", is_flag=True, help="Staff accounts only.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.pass_obj
def list_users(auth: Auth, staff: bool, as_json: bool) -> None:
    """List the accounts, oldest first."""

    async def work(db: AsyncSession) -> list[dict[str, Any]]:
        model = auth.user_model
        query = select(model).order_by(model.id)
        if staff:
            query = query.where(model.is_staff.is_(True))
        return [_row(user) for user in await db.scalars(query)]

    rows = _run(auth, work)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No staff accounts." if staff else "No accounts.")
        return
    table: list[tuple[str, ...]] = [("ID", "EMAIL", "USERNAME", "STATUS", "LAST LOGIN")]
    for row in rows:
        table.append(
            (
                str(row["id"]),
                row["email"],
                row["username"] or "-",
                ", ".join(_status(row)),
                (row["last_login"] or "never")[:19].replace("T", " "),
            )
        )
    for line in _align(table):
        click.echo(line)


def _row(user: AbstractUser) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "email_verified": user.email_verified,
        "last_login": when(user.last_login),
        "date_joined": when(user.date_joined),
    }


def _status(row: dict[str, Any]) -> list[str]:
    status = [] if row["is_active"] else ["inactive"]
    status += [name for name in ("staff", "superuser") if row[f"is_{name}"]]
    if not row["email_verified"]:
        status.append("unverified")
    return status or ["-"]


def _align(rows: list[tuple[str, ...]]) -> Iterator[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        yield "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()


# -- permissions ----------------------------------------------------------------------------


@click.command("sync-permissions")
@click.pass_obj
def sync(auth: Auth) -> None:
    """Store the view/add/change/delete permission of every model, and your own."""

    added = _started(auth, lambda: sync_permissions(auth.database, auth))
    click.echo(f"Added {added} permission{'' if added == 1 else 's'}.")


@click.command("grant")
@click.argument("email")
@click.argument("permissions", nargs=-1, required=True, metavar="PERM...")
@click.pass_obj
def grant_command(auth: Auth, email: str, permissions: tuple[str, ...]) -> None:
    """Give the account EMAIL the permissions PERM (label.codename, e.g. blog.publish_post)."""

    async def work(db: AsyncSession) -> str:
        user = await _user(auth, db, email)
        await grant(db, user, *permissions)
        return user.email

    address = _run(auth, work)
    click.echo(f"Granted {', '.join(permissions)} to {address}.")


@click.command()
@click.argument("email")
@click.pass_obj
def deactivate(auth: Auth, email: str) -> None:
    """Disable the account EMAIL: it cannot sign in, and its sessions and tokens end."""

    async def work(db: AsyncSession) -> str:
        user = await _user(auth, db, email)
        user.is_active = False
        user.security_stamp = new_security_stamp()
        await auth.audit.record(
            "signed_out_everywhere", session=db, user=user, via="cli", deactivated=True
        )
        return user.email

    address = _run(auth, work)
    click.echo(f"Deactivated {address}.")


_COMMANDS = [create, set_password, list_users, sync, grant_command, deactivate]
