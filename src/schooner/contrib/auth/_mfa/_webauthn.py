"""Passkeys (WebAuthn): sign in without a password, or as the second factor after it.

Every ceremony takes two requests. The first returns options with a random challenge,
which the session keeps; the browser hands them to ``navigator.credentials.create()`` (to
register a passkey) or ``.get()`` (to sign in), and the second request sends the signed
answer back, verified with py_webauthn against the challenge, the relying-party id and the
allowed origins. A challenge lives five minutes and is accepted once: it leaves the session
at the first answer, and its use is also counted in the rate limiter's storage, so an old
session cookie sent again cannot replay it.

Signing in without a password asks for a discoverable credential (the browser lists the
passkeys it holds for the site: ``allowCredentials`` is empty) and requires user
verification (a fingerprint or PIN on the device): the passkey then stands for both
factors. As the second factor after a password, only the user's own passkeys are allowed.
Passkeys are registered with attestation ``none``: the site trusts the user's choice of
authenticator and keeps no device certificates. py_webauthn is imported on first use, not
with the battery.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, select
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.auth._models import APP_LABEL, USER_TABLE, AbstractUser
from schooner.contrib.auth.exceptions import PasskeyRejected
from schooner.contrib.orm import AsyncSession, IntPK, Model, UTCDateTime, utcnow
from schooner.contrib.sessions import Session
from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth
    from schooner.contrib.auth._config import AuthConfig

__all__ = [
    "CHALLENGE_MAX_AGE",
    "PasskeyFactor",
    "Passkeys",
    "RelyingParty",
    "WebAuthnCredential",
    "relying_party",
]

CHALLENGE_MAX_AGE = 300
"""Seconds between the options and the answer (also the browser's timeout)."""

_REGISTER = "_auth_webauthn_create"
_SIGN_IN = "_auth_webauthn_get"

# Binary values are stored in base64url text, as WebAuthn's JSON carries them (and because
# aiomysql 0.3.2 cannot send bytes parameters with PyMySQL 1.2.3+, aio-libs/aiomysql#1080).
# A credential id has up to 1023 bytes: 1364 characters. MariaDB/MySQL index at most 3072
# bytes, so the unique column is ASCII there (one byte a character, not utf8mb4's four).
_CREDENTIAL_ID = String(1364).with_variant(
    mysql.VARCHAR(1364, charset="ascii", collation="ascii_bin"), "mysql", "mariadb"
)


class WebAuthnCredential(IntPK, Model):
    """A passkey: the public key a user's authenticator made for this site.

    ``user_handle`` is the random id the authenticator stores with a discoverable
    credential and returns when signing in (the same for every passkey of one user); it
    reveals nothing about the account. The credential id, the public key (COSE) and the
    handle are kept in unpadded base64url.
    """

    __app_label__ = APP_LABEL
    __tablename__ = "auth_webauthn_credential"

    user_id: Mapped[int] = mapped_column(
        ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[str] = mapped_column(_CREDENTIAL_ID, unique=True)
    public_key: Mapped[str] = mapped_column(Text, info={"private": True})
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    transports: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    user_handle: Mapped[str] = mapped_column(String(88), info={"private": True})
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=utcnow())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    def __repr__(self) -> str:
        return f"<WebAuthnCredential {self.id} user={self.user_id} {self.name!r}>"


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who passkeys are made for.

    Attributes:
        id: the domain passkeys are bound to (``example.com``).
        name: the name browsers show.
        origins: the origins whose pages may use them (``https://example.com``).
    """

    id: str
    name: str
    origins: tuple[str, ...]


def relying_party(config: AuthConfig, request: Request, *, production: bool) -> RelyingParty:
    """The relying party from the settings; in development, the request's host fills in
    what is unset.

    Raises:
        ImproperlyConfigured: production without ``webauthn_rp_id``.
    """
    rp_id = config.webauthn_rp_id
    origins: Sequence[str] = config.webauthn_origins
    if rp_id is None:
        if production:
            raise ImproperlyConfigured(
                "Auth: passkeys need webauthn_rp_id (AUTH_WEBAUTHN_RP_ID=example.com) in "
                "production."
            )
        rp_id = (request.url.hostname or "localhost").lower()
        origins = origins or [f"{request.url.scheme}://{request.url.netloc}"]
    if not origins:
        origins = [f"https://{rp_id}"]
    return RelyingParty(id=rp_id, name=config.webauthn_rp_name or rp_id, origins=tuple(origins))


class PasskeyFactor:
    """The ``"passkey"`` second factor: asked for when the user has a passkey."""

    name = "passkey"

    async def enrolled(self, user: AbstractUser, db: AsyncSession) -> bool:
        """Whether ``user`` has registered a passkey."""
        found = await db.scalar(
            select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id).limit(1)
        )
        return found is not None


class Passkeys:
    """The passkey flows for one request (injected by type: ``passkeys: Passkeys``).

    Args:
        auth: the app's ``Auth`` component.
        request: the current request.
        db: the request's database session (changes commit with the request).
        session: the request's session, which keeps the pending challenge.
        rp: the relying party.
    """

    def __init__(
        self,
        auth: Auth,
        request: Request,
        db: AsyncSession,
        session: Session,
        *,
        rp: RelyingParty,
    ) -> None:
        self.auth = auth
        self.request = request
        self.db = db
        self.session = session
        self.rp = rp

    async def list(self, user: AbstractUser) -> list[WebAuthnCredential]:
        """The user's passkeys, oldest first."""
        rows = await self.db.scalars(
            select(WebAuthnCredential)
            .where(WebAuthnCredential.user_id == user.id)
            .order_by(WebAuthnCredential.id)
        )
        return list(rows.all())

    async def remove(self, user: AbstractUser, passkey_id: int) -> bool:
        """Delete one of the user's passkeys; whether it was theirs."""
        found = await self.db.scalar(
            select(WebAuthnCredential).where(
                WebAuthnCredential.id == passkey_id, WebAuthnCredential.user_id == user.id
            )
        )
        if found is None:
            return False
        await self.db.delete(found)
        await self.db.flush()
        await self.auth.audit.record(
            "passkey_removed", request=self.request, session=self.db, user=user, name=found.name
        )
        return True

    # -- registration -------------------------------------------------------------------

    async def registration_options(self, user: AbstractUser) -> dict[str, Any]:
        """Options for ``navigator.credentials.create()`` (JSON, binary fields in
        base64url); the challenge waits in the session."""
        from webauthn import generate_registration_options, options_to_json
        from webauthn.helpers.structs import (
            AuthenticatorSelectionCriteria,
            PublicKeyCredentialDescriptor,
            ResidentKeyRequirement,
            UserVerificationRequirement,
        )

        existing = await self.list(user)
        handle = _unb64(existing[0].user_handle) if existing else secrets.token_bytes(32)
        options = generate_registration_options(
            rp_id=self.rp.id,
            rp_name=self.rp.name,
            user_name=user.email,
            user_id=handle,
            timeout=CHALLENGE_MAX_AGE * 1000,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=_unb64(row.credential_id)) for row in existing
            ],
        )
        self.session[_REGISTER] = {
            "challenge": _b64(options.challenge),
            "at": time.time(),
            "user": user.id,
            "handle": _b64(handle),
        }
        result: dict[str, Any] = json.loads(options_to_json(options))
        return result

    async def register(
        self, user: AbstractUser, credential: dict[str, Any], *, name: str
    ) -> WebAuthnCredential:
        """Verify the browser's answer to the registration options and store the passkey.

        Raises:
            PasskeyRejected: no registration was started (or it expired), or the answer
                does not verify, or this passkey is registered already.
        """
        from webauthn import verify_registration_response
        from webauthn.helpers import parse_registration_credential_json

        pending = await self._take_challenge(_REGISTER, user)
        if not isinstance(pending["handle"], str):
            raise PasskeyRejected("Start again: ask for new passkey options first.")
        try:
            parsed = parse_registration_credential_json(credential)
            verified = verify_registration_response(
                credential=parsed,
                expected_challenge=pending["challenge"],
                expected_rp_id=self.rp.id,
                expected_origin=list(self.rp.origins),
            )
        except _rejections() as exc:
            raise PasskeyRejected(f"The passkey could not be verified: {exc}") from None
        credential_id = _b64(verified.credential_id)
        taken = await self.db.scalar(
            select(WebAuthnCredential.id).where(WebAuthnCredential.credential_id == credential_id)
        )
        if taken is not None:
            raise PasskeyRejected("This passkey is registered already.")
        transports = parsed.response.transports or []
        row = WebAuthnCredential(
            user_id=user.id,
            credential_id=credential_id,
            public_key=_b64(verified.credential_public_key),
            sign_count=verified.sign_count,
            transports=[t.value for t in transports],
            user_handle=pending["handle"],
            name=name.strip()[:100] or "Passkey",
        )
        self.db.add(row)
        await self.db.flush()
        await self.auth.audit.record(
            "passkey_added", request=self.request, session=self.db, user=user, name=row.name
        )
        return row

    # -- signing in -----------------------------------------------------------------------

    async def authentication_options(self, user: AbstractUser | None = None) -> dict[str, Any]:
        """Options for ``navigator.credentials.get()``.

        Without ``user``, for signing in without a password: any passkey the browser holds
        for the site, with user verification required. With ``user`` (who gave the
        password already), only that user's passkeys.
        """
        from webauthn import generate_authentication_options, options_to_json
        from webauthn.helpers.structs import (
            PublicKeyCredentialDescriptor,
            UserVerificationRequirement,
        )

        allowed = []
        if user is not None:
            allowed = [
                PublicKeyCredentialDescriptor(id=_unb64(row.credential_id))
                for row in await self.list(user)
            ]
        options = generate_authentication_options(
            rp_id=self.rp.id,
            timeout=CHALLENGE_MAX_AGE * 1000,
            allow_credentials=allowed,
            user_verification=(
                UserVerificationRequirement.REQUIRED
                if user is None
                else UserVerificationRequirement.PREFERRED
            ),
        )
        self.session[_SIGN_IN] = {
            "challenge": _b64(options.challenge),
            "at": time.time(),
            "user": user.id if user is not None else None,
        }
        result: dict[str, Any] = json.loads(options_to_json(options))
        return result

    async def authenticate(
        self, credential: dict[str, Any], *, user: AbstractUser | None = None
    ) -> AbstractUser:
        """Verify the browser's answer to the sign-in options; the passkey's owner.

        With ``user``, the passkey must be theirs (the second factor); without, the
        authenticator must have verified the user (signing in without a password).

        Raises:
            PasskeyRejected: no sign-in was started with this user (or it expired), the
                passkey is unknown or someone else's, or the answer does not verify.
        """
        from webauthn import verify_authentication_response
        from webauthn.helpers import parse_authentication_credential_json

        pending = await self._take_challenge(_SIGN_IN, user)
        try:
            parsed = parse_authentication_credential_json(credential)
        except _rejections():
            raise PasskeyRejected("The passkey's answer is malformed.") from None
        row = await self.db.scalar(
            select(WebAuthnCredential).where(
                WebAuthnCredential.credential_id == _b64(parsed.raw_id)
            )
        )
        if row is None or (user is not None and row.user_id != user.id):
            raise PasskeyRejected("This passkey is not registered for an account here.")
        handle = parsed.response.user_handle
        # WebAuthn §7.2 steps 6-7: the handle names the owner; it must be there when the
        # user was not known before the ceremony.
        if (handle is None and user is None) or (
            handle is not None and _b64(handle) != row.user_handle
        ):
            raise PasskeyRejected("This passkey does not belong to that account.")
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=pending["challenge"],
                expected_rp_id=self.rp.id,
                expected_origin=list(self.rp.origins),
                credential_public_key=_unb64(row.public_key),
                credential_current_sign_count=row.sign_count,
                require_user_verification=user is None,
            )
        except _rejections() as exc:
            raise PasskeyRejected(f"The passkey could not be verified: {exc}") from None
        row.sign_count = verified.new_sign_count
        row.last_used_at = datetime.now(UTC)
        owner: AbstractUser | None = await self.db.get(self.auth.user_model, row.user_id)
        if owner is None or not owner.is_active:
            raise PasskeyRejected("This passkey is not registered for an account here.")
        return owner

    # -- plumbing -----------------------------------------------------------------------

    async def _take_challenge(self, key: str, user: AbstractUser | None) -> dict[str, Any]:
        """The pending ceremony's challenge (and handle), removed from the session and
        marked used.

        Raises:
            PasskeyRejected: none, expired, for another user, or used before.
        """
        pending = self.session.pop(key, None)
        if (
            not isinstance(pending, dict)
            or not isinstance(pending.get("challenge"), str)
            or not isinstance(pending.get("at"), int | float)
            or pending.get("user") != (user.id if user is not None else None)
        ):
            raise PasskeyRejected("Start again: ask for new passkey options first.")
        if time.time() - pending["at"] > CHALLENGE_MAX_AGE:
            raise PasskeyRejected("This passkey request expired; try again.")
        challenge = _unb64(pending["challenge"])
        limiter = self.auth.throttle.limiter
        used = await limiter.hit(f"auth:webauthn:used:{pending['challenge']}", "1/10 minutes")
        if not used.allowed:
            raise PasskeyRejected("This passkey request was answered already; try again.")
        return {"challenge": challenge, "handle": pending.get("handle")}


def _b64(data: bytes) -> str:
    from webauthn.helpers import bytes_to_base64url

    return bytes_to_base64url(data)


def _unb64(text: str) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(text)


@functools.cache
def _rejections() -> tuple[type[Exception], ...]:
    """What py_webauthn raises for an answer that does not verify or is malformed.

    Malformed input also surfaces as the standard errors of base64, CBOR and struct
    parsing (``binascii.Error`` and ``CBORDecodeError`` are ``ValueError`` s).
    """
    from webauthn.helpers.exceptions import WebAuthnException

    return (WebAuthnException, ValueError, TypeError, KeyError, IndexError, OverflowError)
