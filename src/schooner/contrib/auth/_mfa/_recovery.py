"""Recovery codes: single-use codes that stand in for a second factor the user has lost.

A user gets ten when they enrol their first factor (and new ones on request, which voids
the old); each is shown once and stored as a SHA-256 digest: it has 80 random bits,
beyond any brute force of the digest. Codes are written in Crockford's base32 in groups
of four (``7kq2-…``), and read back forgivingly: case, spaces and dashes do not matter,
and the look-alike letters o, i and l read as 0, 1 and 1. They go when the user's last
second factor goes. ``Totp`` offers these functions as its methods.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Update, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.auth._models import APP_LABEL, USER_TABLE, AbstractUser
from schooner.contrib.orm import AsyncSession, IntPK, Model, UTCDateTime

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = [
    "RECOVERY_CODE_COUNT",
    "RecoveryCode",
    "codes_left",
    "drop_codes_if_unused",
    "issue_codes",
    "use_code",
    "use_up",
]

RECOVERY_CODE_COUNT = 10
"""How many recovery codes a user gets at a time."""

# Crockford's base32: no i, l, o or u, so a code read aloud or copied by hand survives.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_LOOKALIKES = str.maketrans({"o": "0", "i": "1", "l": "1"})
_LENGTH = 16


class RecoveryCode(IntPK, Model):
    """One single-use recovery code (its SHA-256 digest), for a user without their device."""

    __app_label__ = APP_LABEL
    __tablename__ = "auth_recovery_code"
    __table_args__ = (Index("ix_auth_recovery_code_user_id_digest", "user_id", "digest"),)

    user_id: Mapped[int] = mapped_column(ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64), info={"private": True})
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    def __repr__(self) -> str:
        return f"<RecoveryCode user={self.user_id} used={self.used_at is not None}>"


async def issue_codes(db: AsyncSession, user: AbstractUser) -> list[str]:
    """Ten new recovery codes for ``user``; the previous ones stop working."""
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.add_all(RecoveryCode(user_id=user.id, digest=_digest(_normalize(code))) for code in codes)
    await db.flush()
    return codes


async def codes_left(db: AsyncSession, user: AbstractUser) -> int:
    """How many of the user's recovery codes are unused."""
    count = await db.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    return int(count or 0)


async def use_code(db: AsyncSession, user: AbstractUser, code: str) -> bool:
    """Whether ``code`` is one of the user's unused recovery codes; it is used up."""
    cleaned = _normalize(code)
    if len(cleaned) != _LENGTH:
        return False
    found = await db.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.digest == _digest(cleaned),
            RecoveryCode.used_at.is_(None),
        )
    )
    if found is None:
        return False
    return await use_up(
        db,
        update(RecoveryCode)
        .where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
        .values(used_at=datetime.now(UTC)),
    )


async def drop_codes_if_unused(auth: Auth, db: AsyncSession, user: AbstractUser) -> None:
    """Delete the user's recovery codes when no second factor is left to recover."""
    for factor in auth.second_factors:
        if await factor.enrolled(user, db):
            return
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


async def use_up(db: AsyncSession, statement: Update) -> bool:
    """Run a conditional update that uses a code up; whether it did (one row).

    The condition makes two requests with the same code unable to both use it: the second
    waits for the first's row lock and then matches no row. (SQLite, which allows one
    writer, refuses the second with "database is locked" instead.)
    """
    result = await db.execute(statement.execution_options(synchronize_session=False))
    count: int = getattr(result, "rowcount", 0)
    return count == 1


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _LENGTH, 4))


def _normalize(code: str) -> str:
    """Lower case, without spaces and dashes, look-alike letters read as digits."""
    cleaned = "".join(c for c in code.lower() if c not in " -\t")
    return cleaned.translate(_LOOKALIKES)


def _digest(code: str) -> str:
    return hashlib.sha256(b"schooner.auth.recovery|" + code.encode()).hexdigest()
