"""Personal API tokens: long-lived credentials a user makes for scripts and integrations.

A token reads ``sch_<id><secret>``: the configured prefix (``api_token_prefix``, so that
secret scanners and people recognise it), 12 characters that identify it (stored, shown in
lists) and 43 characters of secret (32 random bytes). It is shown once, when made; the
database keeps its SHA-256 digest only. A token carries the scopes it was given
(``scope_required`` checks them), may expire, and is revoked by its owner.

Unlike sessions and JWTs, API tokens survive a new password and "sign out everywhere":
they are credentials the user manages one by one (as on GitHub or GitLab).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import JSON, ForeignKey, String, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.auth._identity import Identity
from schooner.contrib.auth._models import APP_LABEL, USER_TABLE, AbstractUser
from schooner.contrib.auth._tokens._jwt import normalize_scope
from schooner.contrib.auth.exceptions import InvalidToken
from schooner.contrib.orm import AsyncSession, IntPK, Model, UTCDateTime

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["ApiToken", "ApiTokens", "NewApiToken"]

_ID_LENGTH: Final = 12  # secrets.token_urlsafe(9): 72 random bits, enough to tell tokens apart
_SECRET_LENGTH: Final = 43  # secrets.token_urlsafe(32): 256 random bits
_BODY: Final = re.compile(f"[A-Za-z0-9_-]{{{_ID_LENGTH + _SECRET_LENGTH}}}")
# last_used_at is written at most this often per token, not on every request.
_TOUCH_EVERY: Final = timedelta(minutes=1)
MAX_NAME_LENGTH: Final = 100
MAX_LIFETIME_DAYS: Final = 3650


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(token: str) -> str:
    # A plain SHA-256, not a password hash: the token holds 256 random bits, so nobody can
    # guess it from its digest however fast they hash, and a slow hash would only make
    # every API request slow (NIST SP 800-63B §5.1.1.2 asks for slow hashing of memorised,
    # low-entropy secrets, not of random ones).
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(IntPK, Model):
    """One personal API token (its digest, never the token).

    ``prefix`` is the token's identifying part (shown in lists, indexed for the lookup);
    ``scopes`` is a JSON list (``None``: everything the user may do).
    """

    __app_label__ = APP_LABEL
    __tablename__ = "auth_api_token"

    user_id: Mapped[int] = mapped_column(
        ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    digest: Mapped[str] = mapped_column(String(64), info={"private": True})
    scopes: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r} user={self.user_id}>"


@dataclass(frozen=True, slots=True)
class NewApiToken:
    """A token just made: its row, and the token itself, which is shown this once.

    Attributes:
        api_token: the stored row (with the digest only).
        token: the full token to hand to the user; it cannot be recovered later.
    """

    api_token: ApiToken
    token: str = field(repr=False)


class ApiTokens:
    """Makes, lists and revokes personal API tokens, and reads them from requests.

    It is the API-token :class:`~schooner.contrib.auth.HeaderAuthenticator` of the app
    (``Auth`` registers it when ``api_tokens`` is on), and is injected into handlers that
    ask for ``ApiTokens``.

    Args:
        auth: the app's ``Auth`` component.
        prefix: the start of every token (``api_token_prefix``).
    """

    def __init__(self, auth: Auth, *, prefix: str) -> None:
        self.auth = auth
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"ApiTokens(prefix={self.prefix!r})"

    async def create(
        self,
        db: AsyncSession,
        user: AbstractUser,
        *,
        name: str,
        scopes: Sequence[str] | None = None,
        expires_in_days: int | None = None,
    ) -> NewApiToken:
        """Make a token for ``user``; the row is added to ``db`` and flushed.

        Args:
            db: the session to store the row with.
            user: the owner.
            name: what the token is for ("deploy script"), to recognise it in lists.
            scopes: the scopes it carries; ``None`` for everything the user may do.
            expires_in_days: its lifetime; ``None`` for a token that does not expire.

        Raises:
            ValueError: an empty or long name, a bad scope, or a lifetime out of range.
        """
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"A token's name has 1 to {MAX_NAME_LENGTH} characters.")
        stored = None if scopes is None else normalize_scope(scopes).split()
        if expires_in_days is not None and not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
            raise ValueError(f"expires_in_days must be from 1 to {MAX_LIFETIME_DAYS}.")
        key = secrets.token_urlsafe(9)
        token = self.prefix + key + secrets.token_urlsafe(32)
        now = _now()
        row = ApiToken(
            user_id=user.id,
            name=name,
            prefix=key,
            digest=_digest(token),
            scopes=stored,
            created_at=now,
            expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
        )
        db.add(row)
        await db.flush()
        return NewApiToken(api_token=row, token=token)

    async def list_for(self, db: AsyncSession, user: AbstractUser) -> list[ApiToken]:
        """``user``'s tokens that are not revoked, oldest first (expired ones included, so
        that the user sees them)."""
        query = (
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
        return list((await db.scalars(query)).all())

    async def revoke(self, db: AsyncSession, user: AbstractUser, token_id: int) -> bool:
        """Revoke ``user``'s token ``token_id``; ``False`` when they have no such token (or
        it is already revoked)."""
        row = await db.get(ApiToken, token_id)
        if row is None or row.user_id != user.id or row.revoked_at is not None:
            return False
        row.revoked_at = _now()
        return True

    async def authenticate(self, token: str, db: AsyncSession) -> Identity | None:
        """The identity an API token proves; ``None`` when ``token`` is not one.

        Raises:
            InvalidToken: unknown, revoked or expired, or its account is disabled.
        """
        if not token.startswith(self.prefix):
            return None
        body = token[len(self.prefix) :]
        if not _BODY.fullmatch(body):
            raise InvalidToken("This API token is not valid.")
        digest = _digest(token)
        query = select(ApiToken).where(ApiToken.prefix == body[:_ID_LENGTH])
        rows = (await db.scalars(query)).all()
        # Compare every candidate's digest in constant time (the prefix is not secret, the
        # digest comparison is what must not leak timing).
        found = None
        for row in rows:
            if hmac.compare_digest(row.digest, digest):
                found = row
        if found is None:
            raise InvalidToken("This API token is not valid.")
        now = _now()
        if found.revoked_at is not None:
            raise InvalidToken("This API token has been revoked.")
        if found.expires_at is not None and found.expires_at <= now:
            raise InvalidToken("This API token has expired.")
        user: AbstractUser | None = await db.get(self.auth.user_model, found.user_id)
        if user is None or not user.is_active:
            raise InvalidToken("The account of this API token is disabled.")
        identity = Identity(
            user=user,
            method="token",
            scopes=None if found.scopes is None else frozenset(found.scopes),
            token_id=str(found.id),
        )
        await self._touch(db, found, now)
        return identity

    async def _touch(self, db: AsyncSession, row: ApiToken, now: datetime) -> None:
        """Record the use, at most once a minute per token (one write per request would
        make every API call a write). The condition is in the UPDATE, so several
        instances agree on it too."""
        if row.last_used_at is not None and now - row.last_used_at < _TOUCH_EVERY:
            return
        result: Any = await db.execute(
            update(ApiToken)
            .where(
                ApiToken.id == row.id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - _TOUCH_EVERY),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:
            await db.commit()
