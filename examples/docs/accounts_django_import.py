"""Copy a Django project's users, groups and permissions into the accounts tables, once.

Run it against a migrated, empty Schooner database; the Django database is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from schooner.contrib.auth import Group, Permission, User
from schooner.contrib.orm import AsyncSession, Database


@dataclass
class ImportReport:
    """What was copied, and the accounts left out (with why)."""

    users: int = 0
    groups: int = 0
    skipped: list[str] = field(default_factory=list)


# --8<-- [start:users]
async def import_django_users(
    django: Database, target: Database, *, verified: bool = True
) -> ImportReport:
    """Copy auth_user (same ids, so your tables' user_id columns stay right), the groups
    and the permissions.

    Passwords are copied as they are: Django's pbkdf2_sha256 (and argon2) hashes verify,
    and each is replaced by an argon2id hash the first time its owner signs in.
    ``verified``: whether Django made people confirm their address (with allauth, read
    account_emailaddress.verified instead).
    """
    report = ImportReport()
    async with (
        django.running(),
        target.running(),
        django.transaction() as source,
        target.transaction() as db,
    ):
        permissions = await _permissions(source, db)  # first: it reads from db
        users = await _users(source, db, report, verified=verified)
        groups = await _groups(source, db, report)
        for user_id, group_id in await source.execute(
            text("SELECT user_id, group_id FROM auth_user_groups")
        ):
            if user_id in users:
                users[user_id].groups.append(groups[group_id])
        for group_id, permission_id in await source.execute(
            text("SELECT group_id, permission_id FROM auth_group_permissions")
        ):
            groups[group_id].permissions.append(permissions[permission_id])
        for user_id, permission_id in await source.execute(
            text("SELECT user_id, permission_id FROM auth_user_user_permissions")
        ):
            if user_id in users:
                users[user_id].user_permissions.append(permissions[permission_id])
        await db.flush()
        if db.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences on
            for table in ("auth_user", "auth_group"):
                await db.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return report


async def _users(
    source: AsyncSession, db: AsyncSession, report: ImportReport, *, verified: bool
) -> dict[int, User]:
    """Django's auth_user → auth_user; e-mail is the login, so it must be there and unique."""
    rows = await source.execute(
        text(
            "SELECT id, username, email, password, is_active, is_staff, is_superuser, "
            "last_login, date_joined FROM auth_user ORDER BY id"
        )
    )
    users: dict[int, User] = {}
    seen: set[str] = set()
    for row in rows.mappings():
        email = (row["email"] or "").strip()
        if not email or email.lower() in seen:
            why = "no e-mail address" if not email else f"{email} is another account's too"
            report.skipped.append(f"id {row['id']} ({row['username']}): {why}")
            continue
        seen.add(email.lower())
        user = User(
            id=row["id"],
            email=email,
            username=row["username"] or None,
            is_active=bool(row["is_active"]),
            is_staff=bool(row["is_staff"]),
            is_superuser=bool(row["is_superuser"]),
            email_verified=verified,
            last_login=_utc(row["last_login"]),
            date_joined=_utc(row["date_joined"]),
        )
        user.password = row["password"]  # "pbkdf2_sha256$…", or "!…" (unusable) as it was
        db.add(user)
        users[user.id] = user
    report.users = len(users)
    return users


# --8<-- [end:users]


async def _groups(source: AsyncSession, db: AsyncSession, report: ImportReport) -> dict[int, Group]:
    groups = {}
    for group_id, name in await source.execute(text("SELECT id, name FROM auth_group")):
        groups[group_id] = Group(id=group_id, name=name)
        db.add(groups[group_id])
    report.groups = len(groups)
    return groups


async def _permissions(source: AsyncSession, db: AsyncSession) -> dict[int, Permission]:
    """Django's permission of an app_label and codename is Schooner's label.codename."""
    stored = {p.key: p for p in await db.scalars(select(Permission))}
    found = {}
    rows = await source.execute(
        text(
            "SELECT p.id, ct.app_label, p.codename, p.name FROM auth_permission p "
            "JOIN django_content_type ct ON ct.id = p.content_type_id"
        )
    )
    for permission_id, label, codename, name in rows:
        permission = stored.get(f"{label}.{codename}")
        if permission is None:
            permission = Permission(label=label, codename=codename, name=name)
            db.add(permission)
            stored[permission.key] = permission
        found[permission_id] = permission
    return found


def _utc(value: Any) -> datetime | None:
    """Django keeps UTC; SQLite hands it back as text, MySQL without a time zone."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
