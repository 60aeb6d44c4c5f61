"""Passkeys (WebAuthn): sign in without a password, or as the second factor after it.

A passkey is a key pair an authenticator (a phone, a laptop, a security key) makes for
this site; the site keeps the public key (:class:`WebAuthnCredential`) and checks the
signatures made with the private one. Signing in without a password asks for a
discoverable credential (the browser lists the passkeys it holds for the site:
``allowCredentials`` is empty) and requires user verification (a fingerprint or PIN on
the device): the passkey then stands for both factors. As the second factor after a
password, only the user's own passkeys are allowed. Passkeys are registered with
attestation ``none``: the site trusts the user's choice of authenticator and keeps no
device certificates. The ceremonies' challenges and encoding are in ``_webauthn``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, select
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.auth._mfa._webauthn import (
    CHALLENGE_MAX_AGE,
    Challenges,
    RelyingParty,
    b64,
    options_json,
    rejections,
    unb64,
)
from schooner.contrib.auth._models import APP_LABEL, USER_TABLE, AbstractUser
from schooner.contrib.auth.exceptions import PasskeyRejected
from schooner.contrib.orm import AsyncSession, IntPK, Model, UTCDateTime, utcnow
from schooner.contrib.sessions import Session
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["PasskeyFactor", "Passkeys", "WebAuthnCredential"]

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
        self._challenges = Challenges(session, auth.throttle.limiter)

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
        from webauthn import generate_registration_options
        from webauthn.helpers.structs import (
            AuthenticatorSelectionCriteria,
            PublicKeyCredentialDescriptor,
            ResidentKeyRequirement,
            UserVerificationRequirement,
        )

        existing = await self.list(user)
        handle = unb64(existing[0].user_handle) if existing else secrets.token_bytes(32)
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
                PublicKeyCredentialDescriptor(id=unb64(row.credential_id)) for row in existing
            ],
        )
        self._challenges.keep("create", options.challenge, user=user, handle=handle)
        return options_json(options)

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

        pending = await self._challenges.take("create", user)
        if pending.handle is None:
            raise PasskeyRejected("Start again: ask for new passkey options first.")
        try:
            parsed = parse_registration_credential_json(credential)
            verified = verify_registration_response(
                credential=parsed,
                expected_challenge=pending.challenge,
                expected_rp_id=self.rp.id,
                expected_origin=list(self.rp.origins),
            )
        except rejections() as exc:
            raise PasskeyRejected(f"The passkey could not be verified: {exc}") from None
        credential_id = b64(verified.credential_id)
        taken = await self.db.scalar(
            select(WebAuthnCredential.id).where(WebAuthnCredential.credential_id == credential_id)
        )
        if taken is not None:
            raise PasskeyRejected("This passkey is registered already.")
        transports = parsed.response.transports or []
        row = WebAuthnCredential(
            user_id=user.id,
            credential_id=credential_id,
            public_key=b64(verified.credential_public_key),
            sign_count=verified.sign_count,
            transports=[t.value for t in transports],
            user_handle=pending.handle,
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
        from webauthn import generate_authentication_options
        from webauthn.helpers.structs import (
            PublicKeyCredentialDescriptor,
            UserVerificationRequirement,
        )

        allowed = []
        if user is not None:
            allowed = [
                PublicKeyCredentialDescriptor(id=unb64(row.credential_id))
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
        self._challenges.keep("get", options.challenge, user=user)
        return options_json(options)

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

        pending = await self._challenges.take("get", user)
        try:
            parsed = parse_authentication_credential_json(credential)
        except rejections():
            raise PasskeyRejected("The passkey's answer is malformed.") from None
        row = await self.db.scalar(
            select(WebAuthnCredential).where(WebAuthnCredential.credential_id == b64(parsed.raw_id))
        )
        if row is None or (user is not None and row.user_id != user.id):
            raise PasskeyRejected("This passkey is not registered for an account here.")
        handle = parsed.response.user_handle
        # WebAuthn §7.2 steps 6-7: the handle names the owner; it must be there when the
        # user was not known before the ceremony.
        if (handle is None and user is None) or (
            handle is not None and b64(handle) != row.user_handle
        ):
            raise PasskeyRejected("This passkey does not belong to that account.")
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=pending.challenge,
                expected_rp_id=self.rp.id,
                expected_origin=list(self.rp.origins),
                credential_public_key=unb64(row.public_key),
                credential_current_sign_count=row.sign_count,
                require_user_verification=user is None,
            )
        except rejections() as exc:
            raise PasskeyRejected(f"The passkey could not be verified: {exc}") from None
        row.sign_count = verified.new_sign_count
        row.last_used_at = datetime.now(UTC)
        owner: AbstractUser | None = await self.db.get(self.auth.user_model, row.user_id)
        if owner is None or not owner.is_active:
            raise PasskeyRejected("This passkey is not registered for an account here.")
        return owner
