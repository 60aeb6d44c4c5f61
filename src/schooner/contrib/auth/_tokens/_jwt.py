"""JWT access and refresh tokens: ``Authorization: Bearer <access token>`` for API clients.

A client trades an e-mail and password for a pair at ``POST <api_prefix>/token``:

* the **access token** is a JWT (RFC 7519) valid for ``jwt_access_ttl`` (15 minutes),
  checked without the database: signature, expiry, type, a known ``kid``. Then the user is
  loaded (an identity needs one anyway) and must be active, with the same security stamp as
  when the token was made, so a new password or "sign out everywhere" ends it at once;
* the **refresh token** is a JWT too, and one ``auth_refresh_token`` row. Each use at
  ``/token/refresh`` gives a new pair and marks the old refresh token used (rotation). A
  used refresh token presented again means two parties hold it — the client and a thief —
  so every token of that sign-in (the *family*) is revoked and the event is audited as
  ``refresh_reused`` (the OAuth 2.0 Security BCP, RFC 9700 §4.14.2).

Keys have ids (``kid``, in the token's header): a token verifies while its key is
configured, so keys rotate without signing anybody out (``JWTKeys``, in ``_jwt_keys``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import msgspec
from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.auth._identity import Identity
from schooner.contrib.auth._models import APP_LABEL, USER_TABLE, AbstractUser
from schooner.contrib.auth._tokens._jwt_keys import JWTKeys, looks_like_jwt
from schooner.contrib.auth.exceptions import InvalidToken
from schooner.contrib.orm import AsyncSession, IntPK, Model, UTCDateTime
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = [
    "SCOPE_TOKEN",
    "JWTTokens",
    "RefreshToken",
    "TokenPair",
    "normalize_scope",
    "stamp_hash",
]

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN: Final = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]{1,100}")


def stamp_hash(user: AbstractUser) -> str:
    """A hash of ``user``'s security stamp, stored with a refresh token and carried by the
    access token: when the stamp changes (new password, "sign out everywhere"), it no longer
    matches. The stamp is random, so a plain hash gives nothing away."""
    return hashlib.sha256(f"schooner.auth.jwt|{user.security_stamp}".encode()).hexdigest()[:32]


def _now() -> datetime:
    return datetime.now(UTC)


class RefreshToken(IntPK, Model):
    """One issued refresh token. Rotation chains them into a *family*: one sign-in.

    ``used_at`` is set when the token is traded for a new pair; ``revoked_at`` when its
    family is revoked (sign-out, or a used token presented again). ``stamp_hash`` is the
    user's security stamp hash at issue: a stamp change voids the family.
    """

    __app_label__ = APP_LABEL
    __tablename__ = "auth_refresh_token"

    jti: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    stamp_hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<RefreshToken {self.id} user={self.user_id} family={self.family[:8]}>"


class TokenPair(msgspec.Struct):
    """What the token endpoints answer (the fields of RFC 6749 §5.1).

    Attributes:
        access_token: the JWT to send as ``Authorization: <token_type> <access_token>``.
        refresh_token: trades for a new pair at ``/token/refresh``, once.
        token_type: the ``Authorization`` scheme: ``"Bearer"`` or ``"Token"``.
        expires_in: seconds the access token is valid.
    """

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


class JWTTokens:
    """Issues, refreshes and revokes the app's JWTs, and reads access tokens.

    It is the JWT :class:`~schooner.contrib.auth.HeaderAuthenticator` of the app
    (``Auth`` registers it when ``jwt`` is on) and is injected into handlers that ask for
    ``JWTTokens``, to issue tokens from a flow of your own::

        @app.post("/sso/callback")
        async def callback(..., tokens: JWTTokens, db: AsyncSession) -> TokenPair:
            user = ...  # whoever the identity provider vouched for
            return await tokens.issue(user, db)

    Args:
        auth: the app's ``Auth`` component.
        keys: the signing and verification keys.
    """

    def __init__(self, auth: Auth, keys: JWTKeys) -> None:
        self.auth = auth
        self.keys = keys

    def __repr__(self) -> str:
        return f"JWTTokens(algorithm={self.keys.algorithm!r}, kid={self.keys.signing_kid!r})"

    # -- reading --------------------------------------------------------------------------

    async def authenticate(self, token: str, db: AsyncSession) -> Identity | None:
        """The identity an access token proves; ``None`` when ``token`` is not a JWT.

        Raises:
            InvalidToken: a JWT that is forged, expired, a refresh token, or whose account
                is gone, disabled or signed out since.
        """
        if not looks_like_jwt(token):
            return None
        claims = self.keys.verify(token, typ="access")
        user: AbstractUser | None = await db.get(self.auth.user_model, int(claims["sub"]))
        if user is None or not user.is_active:
            raise InvalidToken("The account of this token is deleted or disabled.")
        if not hmac.compare_digest(str(claims.get("stm", "")), stamp_hash(user)):
            raise InvalidToken(
                "This token was signed out (a new password, or sign-out everywhere)."
            )
        scope: str | None = claims.get("scope")
        return Identity(
            user=user,
            method="jwt",
            scopes=None if scope is None else frozenset(scope.split()),
            token_id=claims["fam"],
        )

    # -- issuing --------------------------------------------------------------------------

    async def issue(
        self, user: AbstractUser, db: AsyncSession, *, scope: str | None = None
    ) -> TokenPair:
        """A new pair for ``user``, starting a new family; its refresh-token row is added to
        ``db`` (stored when the request's transaction commits).

        Args:
            user: the account, already authenticated.
            db: the session to add the refresh-token row to.
            scope: space-separated scopes the tokens are limited to (``None``: everything
                the user may do).

        Raises:
            ValueError: a scope is not a valid scope token (RFC 6749 §3.3).
        """
        if scope is not None:
            scope = normalize_scope(scope)
        return self._pair(user, db, family=secrets.token_urlsafe(24), scope=scope)

    def _pair(
        self, user: AbstractUser, db: AsyncSession, *, family: str, scope: str | None
    ) -> TokenPair:
        config = self.auth.config
        now = int(time.time())
        issued = datetime.fromtimestamp(now, UTC)
        common: dict[str, Any] = {"sub": str(user.id), "iat": now, "fam": family}
        if scope is not None:
            common["scope"] = scope
        access = self.keys.sign(
            {
                **common,
                "exp": now + config.jwt_access_ttl,
                "jti": secrets.token_urlsafe(16),
                "typ": "access",
                "stm": stamp_hash(user),
            }
        )
        jti = secrets.token_urlsafe(32)
        refresh = self.keys.sign(
            {**common, "exp": now + config.jwt_refresh_ttl, "jti": jti, "typ": "refresh"}
        )
        db.add(
            RefreshToken(
                jti=jti,
                family=family,
                user_id=user.id,
                issued_at=issued,
                expires_at=issued + timedelta(seconds=config.jwt_refresh_ttl),
                stamp_hash=stamp_hash(user),
            )
        )
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            token_type=config.header_scheme,
            expires_in=config.jwt_access_ttl,
        )

    # -- rotation -------------------------------------------------------------------------

    async def refresh(self, token: str, *, request: Request | None = None) -> TokenPair:
        """Trade a refresh token for a new pair; the old refresh token is used up.

        Works in a transaction of its own, committed before the answer, so that revoking a
        family on reuse is stored although the request then fails.

        Raises:
            InvalidToken: forged, expired, revoked, signed out since (security stamp), or
                already used — in which case its whole family is revoked first and the
                event is audited as ``refresh_reused``.
        """
        claims = self.keys.verify(token, typ="refresh")
        now = _now()
        async with self.auth.database.transaction() as db:
            row = await db.scalar(select(RefreshToken).where(RefreshToken.jti == claims["jti"]))
            if row is None or str(row.user_id) != claims["sub"] or row.revoked_at is not None:
                raise InvalidToken("This refresh token has been revoked. Sign in again.")
            user: AbstractUser | None = await db.get(self.auth.user_model, row.user_id)
            if row.used_at is None and await self._use(db, row, now):
                if user is None or not user.is_active:
                    raise InvalidToken("The account of this token is deleted or disabled.")
                if not hmac.compare_digest(row.stamp_hash, stamp_hash(user)):
                    raise InvalidToken(
                        "This refresh token was signed out (a new password, or sign-out "
                        "everywhere). Sign in again."
                    )
                return self._pair(user, db, family=row.family, scope=claims.get("scope"))
            # Used before: whoever presents it now or presented it first is not the
            # client. End the whole sign-in; the real client signs in again.
            await self._revoke_family(db, row.family, now)
            await self.auth.audit.record(
                "refresh_reused", request=request, session=db, user=user, family=row.family
            )
        raise InvalidToken(
            "This refresh token was already used, so every token of its sign-in has been "
            "revoked. Sign in again."
        )

    async def _use(self, db: AsyncSession, row: RefreshToken, now: datetime) -> bool:
        """Mark ``row`` used, atomically: of two requests racing with one token, the
        second updates no row (it waits for the first's lock, then sees ``used_at``)."""
        result: Any = await db.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == row.id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)

    async def _revoke_family(self, db: AsyncSession, family: str, now: datetime) -> int:
        result: Any = await db.execute(
            update(RefreshToken)
            .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)

    async def revoke(self, token: str, *, request: Request | None = None) -> bool:
        """Revoke the sign-in (family) of a refresh or access token: its refresh tokens stop
        working at once; its access tokens run out within ``jwt_access_ttl``.

        Returns whether a family was revoked (``False`` for a token that is not valid, or
        already revoked, which is no error, as in RFC 7009 §2.2).
        """
        try:
            claims = self.keys.verify(token, typ=("refresh", "access"))
        except InvalidToken:
            return False
        family: str = claims["fam"]
        async with self.auth.database.transaction() as db:
            revoked = await self._revoke_family(db, family, _now())
            if revoked:
                user = await db.get(self.auth.user_model, int(claims["sub"]))
                await self.auth.audit.record(
                    "token_revoked", request=request, session=db, user=user, family=family
                )
        return revoked > 0

    async def purge_expired(self) -> int:
        """Delete the rows of refresh tokens that have expired (they can no longer be used,
        nor reused); returns how many. Run it now and then, e.g. daily."""
        async with self.auth.database.transaction() as db:
            result: Any = await db.execute(
                delete(RefreshToken)
                .where(RefreshToken.expires_at < _now())
                .execution_options(synchronize_session=False)
            )
        return int(result.rowcount)


def normalize_scope(scope: str | Sequence[str]) -> str:
    """``scope`` as one space-separated string of distinct scope tokens, in order.

    Raises:
        ValueError: a scope is empty or has characters RFC 6749 §3.3 does not allow.
    """
    items = scope.split() if isinstance(scope, str) else list(scope)
    for item in items:
        if not isinstance(item, str) or not SCOPE_TOKEN.fullmatch(item):
            raise ValueError(
                f"{item!r} is not a scope: use 1 to 100 printable ASCII characters without "
                "spaces, '\"' or '\\\\' (e.g. 'posts:write')."
            )
    return " ".join(dict.fromkeys(items))
