"""Codes from an authenticator app (TOTP, RFC 6238) as a second factor.

Enrolment has three steps: :meth:`Totp.start` makes an unconfirmed device and returns the
``otpauth://`` address with its QR code; :meth:`Totp.confirm` checks a first code, turns the
device on and returns ten recovery codes, shown once; :meth:`Totp.disable` removes it.
Codes have six digits and change every 30 seconds; one step of clock drift either way is
accepted, and a code (a time step) is accepted once: the step used last is stored, and a
code for it or an earlier step is refused, even from two requests at once.

The shared secret is stored encrypted with a key derived from the app's secret key
(Fernet: AES-128-CBC and HMAC-SHA256), so a copy of the database alone does not give it
away; the fallback keys still decrypt it after a key rotation. The code arithmetic is in
``_otp``, the recovery codes in ``_recovery``.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, String, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.auth._mfa._otp import (
    is_totp_code,
    match_step,
    new_secret,
    provisioning_uri,
    qr_svg,
)
from schooner.contrib.auth._mfa._recovery import (
    codes_left,
    drop_codes_if_unused,
    issue_codes,
    use_code,
    use_up,
)
from schooner.contrib.auth._models import APP_LABEL, USER_TABLE, AbstractUser
from schooner.contrib.auth.exceptions import InvalidCode, LoginThrottled
from schooner.contrib.orm import AsyncSession, IntPK, Model, UTCDateTime, utcnow
from schooner.exceptions import MissingDependency
from schooner.http import Request

try:
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise MissingDependency(exc.name or "cryptography", "auth") from None

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["SecretBox", "Totp", "TotpDevice", "TotpFactor", "TotpSetup"]

logger = logging.getLogger("schooner.auth")

MANAGE_LIMITS = "5/15 minutes"
"""Wrong codes a signed-in user may give (to disable TOTP, for new recovery codes)."""


class TotpDevice(IntPK, Model):
    """A user's authenticator app: the shared secret (encrypted) and the last step used."""

    __app_label__ = APP_LABEL
    __tablename__ = "auth_totp_device"

    user_id: Mapped[int] = mapped_column(
        ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"), unique=True
    )
    secret: Mapped[str] = mapped_column(String(255), info={"private": True})
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=utcnow())

    def __repr__(self) -> str:
        state = "confirmed" if self.confirmed_at is not None else "unconfirmed"
        return f"<TotpDevice user={self.user_id} {state}>"


class SecretBox:
    """Encrypts TOTP secrets with keys derived from the app's secret keys.

    The first key encrypts; every key decrypts, so secrets stored before a key rotation
    (``secret_key_fallbacks``) stay readable.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("SecretBox needs at least one key.")
        self._fernet = MultiFernet([Fernet(_derive(key)) for key in keys])

    def seal(self, secret: str) -> str:
        """``secret`` encrypted (a Fernet token, ASCII)."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The secret, or ``None`` when no key opens it (the keys it was sealed with are
        gone)."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            return None


def _derive(key: str) -> bytes:
    # HKDF with its own "info": this key is independent of the other uses of the secret.
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"schooner.auth.totp")
    return base64.urlsafe_b64encode(raw.derive(key.encode()))


@dataclass(frozen=True, slots=True)
class TotpSetup:
    """What the user needs to add the account to an authenticator app.

    Attributes:
        secret: the shared secret in base32 (to type in when the QR code cannot be scanned).
        uri: the ``otpauth://totp/...`` address the QR code holds.
        qr_svg: the QR code as an ``<svg>`` element, to put in a page as is.
    """

    secret: str
    uri: str
    qr_svg: str


class TotpFactor:
    """The ``"totp"`` second factor: asked for when the user has a confirmed device."""

    name = "totp"

    async def enrolled(self, user: AbstractUser, db: AsyncSession) -> bool:
        """Whether ``user`` has confirmed an authenticator app."""
        found = await db.scalar(
            select(TotpDevice.id).where(
                TotpDevice.user_id == user.id, TotpDevice.confirmed_at.is_not(None)
            )
        )
        return found is not None


class Totp:
    """The authenticator-app flows for one request (injected by type: ``totp: Totp``).

    Args:
        auth: the app's ``Auth`` component.
        request: the current request.
        db: the request's database session (changes commit with the request).
        box: encrypts and decrypts the shared secrets.
        issuer: the name authenticator apps show; the request's host when ``None``.
    """

    def __init__(
        self, auth: Auth, request: Request, db: AsyncSession, *, box: SecretBox, issuer: str | None
    ) -> None:
        self.auth = auth
        self.request = request
        self.db = db
        self.box = box
        self.issuer = issuer or request.url.hostname or "Schooner"

    async def device(self, user: AbstractUser) -> TotpDevice | None:
        """The user's device, confirmed or not."""
        found: TotpDevice | None = await self.db.scalar(
            select(TotpDevice).where(TotpDevice.user_id == user.id)
        )
        return found

    async def enabled(self, user: AbstractUser) -> bool:
        """Whether the user has a confirmed device."""
        device = await self.device(user)
        return device is not None and device.confirmed_at is not None

    async def start(self, user: AbstractUser) -> TotpSetup:
        """A new secret for the user, waiting for :meth:`confirm` (replaces an unconfirmed
        one: the QR code shown last is the one that works).

        Raises:
            InvalidCode: the user already has a confirmed device; disable it first.
        """
        device = await self.device(user)
        if device is not None and device.confirmed_at is not None:
            raise InvalidCode("An authenticator app is already set up; turn it off first.")
        secret = new_secret()
        if device is None:
            device = TotpDevice(user_id=user.id, secret=self.box.seal(secret))
            self.db.add(device)
        else:
            device.secret = self.box.seal(secret)
            device.last_used_step = None
        await self.db.flush()
        return self._setup(user, secret)

    async def pending_setup(self, user: AbstractUser) -> TotpSetup | None:
        """The setup started and not confirmed yet (to show its QR code again)."""
        device = await self.device(user)
        if device is None or device.confirmed_at is not None:
            return None
        secret = self.box.open(device.secret)
        return self._setup(user, secret) if secret is not None else None

    def _setup(self, user: AbstractUser, secret: str) -> TotpSetup:
        uri = provisioning_uri(secret, account=user.email, issuer=self.issuer)
        return TotpSetup(secret=secret, uri=uri, qr_svg=qr_svg(uri))

    async def confirm(self, user: AbstractUser, code: str) -> list[str]:
        """Turn the device on with a first code from the app; the new recovery codes (show
        them once: only their digests are kept).

        Raises:
            InvalidCode: no setup was started, or the code is wrong.
        """
        device = await self.device(user)
        if device is None or device.confirmed_at is not None:
            raise InvalidCode("Start setting up an authenticator app first.")
        await self._check_manage_limit(user)
        if not await self._accept(device, code):
            await self._manage_failed(user)
            raise InvalidCode()
        device.confirmed_at = _now()
        await self.db.flush()
        await self.auth.audit.record(
            "mfa_enabled", request=self.request, session=self.db, user=user, method="totp"
        )
        return await self.issue_recovery_codes(user)

    async def disable(self, user: AbstractUser) -> bool:
        """Remove the user's device (the caller has checked the password or a code);
        whether there was one. Recovery codes go too when no other factor is left."""
        device = await self.device(user)
        if device is None:
            return False
        confirmed = device.confirmed_at is not None
        await self.db.delete(device)
        await self.db.flush()
        if confirmed:
            await self.auth.audit.record(
                "mfa_disabled", request=self.request, session=self.db, user=user, method="totp"
            )
        await self.drop_recovery_codes_if_unused(user)
        return confirmed

    async def verify(self, user: AbstractUser, code: str) -> bool:
        """Whether ``code`` is the app's current code (one step of drift either way), not
        used before; it is used up when it is."""
        device = await self.device(user)
        if device is None or device.confirmed_at is None:
            return False
        return await self._accept(device, code)

    async def check(self, user: AbstractUser, code: str) -> str | None:
        """Check an app's code or a recovery code; what it was (``"totp"`` or
        ``"recovery_code"``), ``None`` when neither."""
        if is_totp_code(code):
            return "totp" if await self.verify(user, code) else None
        return "recovery_code" if await self.use_recovery_code(user, code) else None

    async def check_for_change(self, user: AbstractUser, code: str) -> None:
        """Check a code a signed-in user gives to change their settings, with a limit of
        five wrong ones per 15 minutes.

        Raises:
            LoginThrottled: too many wrong codes lately.
            InvalidCode: wrong.
        """
        await self._check_manage_limit(user)
        if await self.check(user, code) is None:
            await self._manage_failed(user)
            raise InvalidCode()

    # -- recovery codes (see ``_recovery``) ----------------------------------------------

    async def issue_recovery_codes(self, user: AbstractUser) -> list[str]:
        """Ten new recovery codes for ``user``; the previous ones stop working."""
        return await issue_codes(self.db, user)

    async def recovery_codes_left(self, user: AbstractUser) -> int:
        """How many of the user's recovery codes are unused."""
        return await codes_left(self.db, user)

    async def use_recovery_code(self, user: AbstractUser, code: str) -> bool:
        """Whether ``code`` is one of the user's unused recovery codes; it is used up."""
        return await use_code(self.db, user, code)

    async def drop_recovery_codes_if_unused(self, user: AbstractUser) -> None:
        """Delete the user's recovery codes when no second factor is left to recover."""
        await drop_codes_if_unused(self.auth, self.db, user)

    # -- plumbing -----------------------------------------------------------------------

    async def _accept(self, device: TotpDevice, code: str) -> bool:
        secret = self.box.open(device.secret)
        if secret is None:
            logger.error(
                "The authenticator-app secret of user %s cannot be decrypted with the "
                "current secret keys: it was stored with a key no longer configured.",
                device.user_id,
            )
            return False
        step = match_step(secret, code, time.time())
        if step is None or (device.last_used_step is not None and step <= device.last_used_step):
            return False  # wrong, or this step (or a later one) was used already: a replay
        last = TotpDevice.last_used_step
        return await use_up(
            self.db,
            update(TotpDevice)
            .where(TotpDevice.id == device.id, or_(last.is_(None), last < step))
            .values(last_used_step=step),
        )

    def _manage_key(self, user: AbstractUser) -> str:
        return f"auth:mfa:manage:{user.id}"

    async def _check_manage_limit(self, user: AbstractUser) -> None:
        limiter = self.auth.throttle.limiter
        result = await limiter.peek(self._manage_key(user), MANAGE_LIMITS)
        if not result.allowed:
            raise LoginThrottled(result.retry_after)

    async def _manage_failed(self, user: AbstractUser) -> None:
        await self.auth.throttle.limiter.hit(self._manage_key(user), MANAGE_LIMITS)
        await self.auth.audit.record("mfa_failed", request=self.request, user=user, step="manage")


def _now() -> datetime:
    return datetime.now(UTC)
