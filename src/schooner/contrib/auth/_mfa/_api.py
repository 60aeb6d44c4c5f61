"""The second factors' JSON API, under ``api_prefix`` (route names in ``auth-api``).

It finishes a pending sign-in (``POST /mfa/totp``, the passkey endpoints) and manages the
user's factors: the authenticator app, recovery codes, passkeys. The security page's
passkey button (``static/auth/passkeys.js``) uses it too. Like the pages, it calls the
steps in ``_steps`` and the ``Totp`` and ``Passkeys`` services.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._api import LoginResult, Me
from schooner.contrib.auth._mfa._passkeys import Passkeys, WebAuthnCredential
from schooner.contrib.auth._mfa._steps import (
    BrowserUser,
    disable_totp,
    finish_with_code,
    finish_with_passkey,
    has_factor,
    new_recovery_codes,
    remove_passkey,
)
from schooner.contrib.auth._mfa._totp import Totp
from schooner.contrib.auth._routes import login_required
from schooner.exceptions import HTTPException
from schooner.routing import Router

__all__ = ["mfa_api_router"]


class CodeBody(msgspec.Struct, forbid_unknown_fields=True):
    """A code from the authenticator app (six digits) or a recovery code."""

    code: Annotated[str, msgspec.Meta(max_length=64)]


class Confirmation(msgspec.Struct, forbid_unknown_fields=True):
    """The password, or a code from the app (or a recovery code)."""

    password: Annotated[str, msgspec.Meta(max_length=4096)] | None = None
    code: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class TotpSetupOut(msgspec.Struct):
    """What an authenticator app needs: scan ``qr_svg`` or type ``secret``."""

    secret: str
    uri: str
    qr_svg: str


class RecoveryCodes(msgspec.Struct):
    """Single-use codes for signing in without the app; shown this once."""

    recovery_codes: list[str]


class MfaStatus(msgspec.Struct):
    """The user's second factors."""

    totp: bool
    passkeys: int
    recovery_codes_left: int


class PasskeyOut(msgspec.Struct):
    """A registered passkey."""

    id: int
    name: str
    created_at: str
    last_used_at: str | None
    transports: list[str]

    @classmethod
    def of(cls, row: WebAuthnCredential) -> PasskeyOut:
        """The public view of ``row``."""
        return cls(
            id=row.id,
            name=row.name,
            created_at=row.created_at.isoformat(),
            last_used_at=row.last_used_at.isoformat() if row.last_used_at else None,
            transports=list(row.transports or []),
        )


class PasskeyRegistration(msgspec.Struct, forbid_unknown_fields=True):
    """The browser's answer to ``navigator.credentials.create()`` and a name for it."""

    credential: dict[str, Any]
    name: Annotated[str, msgspec.Meta(max_length=100)] = "Passkey"


class PasskeyAssertion(msgspec.Struct, forbid_unknown_fields=True):
    """The browser's answer to ``navigator.credentials.get()``."""

    credential: dict[str, Any]


class PasskeyAdded(msgspec.Struct):
    """The new passkey, and recovery codes when it is the user's first second factor."""

    passkey: PasskeyOut
    recovery_codes: list[str]


def mfa_api_router() -> Router:
    """The JSON routes of second factors (names in the ``auth-api`` namespace)."""
    router = Router(tags=["accounts"])
    manage: dict[str, Any] = {"meta": [login_required]}

    @router.post("/mfa/totp", name="mfa_totp")
    async def sign_in_code(body: CodeBody, accounts: Accounts, totp: Totp) -> LoginResult:
        """Finish signing in with a code from the app or a recovery code (after
        ``/login`` answered ``mfa_required``)."""
        user = await finish_with_code(accounts, totp, body.code)
        return LoginResult(user=Me.of(user))

    @router.get("/mfa", name="mfa_status", **manage)
    async def status(user: BrowserUser, totp: Totp, passkeys: Passkeys) -> MfaStatus:
        """Which second factors the user has."""
        return MfaStatus(
            totp=await totp.enabled(user),
            passkeys=len(await passkeys.list(user)),
            recovery_codes_left=await totp.recovery_codes_left(user),
        )

    @router.post("/mfa/totp/setup", name="totp_setup", **manage)
    async def setup(user: BrowserUser, totp: Totp) -> TotpSetupOut:
        """Start adding an authenticator app: a new secret, as a QR code and as text."""
        started = await totp.start(user)
        return TotpSetupOut(secret=started.secret, uri=started.uri, qr_svg=started.qr_svg)

    @router.post("/mfa/totp/confirm", name="totp_confirm", **manage)
    async def confirm(body: CodeBody, user: BrowserUser, totp: Totp) -> RecoveryCodes:
        """Turn the app on with its first code; answers the recovery codes, once."""
        return RecoveryCodes(recovery_codes=await totp.confirm(user, body.code))

    @router.post("/mfa/totp/disable", name="totp_disable", status_code=204, **manage)
    async def disable(
        body: Confirmation, user: BrowserUser, accounts: Accounts, totp: Totp
    ) -> None:
        """Turn the app off, confirmed with the password or a code."""
        await disable_totp(accounts, totp, user, password=body.password, code=body.code)

    @router.post("/mfa/recovery-codes", name="recovery_codes", **manage)
    async def new_codes(
        body: Confirmation, user: BrowserUser, accounts: Accounts, totp: Totp
    ) -> RecoveryCodes:
        """New recovery codes (the old ones stop working), confirmed like ``disable``."""
        codes = await new_recovery_codes(
            accounts, totp, user, password=body.password, code=body.code
        )
        return RecoveryCodes(recovery_codes=codes)

    @router.get("/passkeys", name="passkeys", **manage)
    async def list_passkeys(user: BrowserUser, passkeys: Passkeys) -> list[PasskeyOut]:
        """The user's passkeys."""
        return [PasskeyOut.of(row) for row in await passkeys.list(user)]

    @router.delete("/passkeys/{passkey_id:int}", name="passkey_delete", status_code=204, **manage)
    async def remove(passkey_id: int, user: BrowserUser, passkeys: Passkeys, totp: Totp) -> None:
        """Remove one of the user's passkeys."""
        if not await remove_passkey(passkeys, totp, user, passkey_id):
            raise HTTPException(404, "You have no passkey with this id.")

    @router.post("/passkeys/register/options", name="passkey_register_options", **manage)
    async def register_options(user: BrowserUser, passkeys: Passkeys) -> dict[str, Any]:
        """Options for ``navigator.credentials.create()``."""
        return await passkeys.registration_options(user)

    @router.post("/passkeys/register", name="passkey_register", status_code=201, **manage)
    async def register(
        body: PasskeyRegistration, user: BrowserUser, passkeys: Passkeys, totp: Totp
    ) -> PasskeyAdded:
        """Store the passkey the browser made; the first second factor comes with
        recovery codes."""
        first = not await has_factor(passkeys.auth, passkeys.db, user)
        row = await passkeys.register(user, body.credential, name=body.name)
        codes = await totp.issue_recovery_codes(user) if first else []
        return PasskeyAdded(passkey=PasskeyOut.of(row), recovery_codes=codes)

    @router.post("/passkeys/login/options", name="passkey_login_options")
    async def login_options(accounts: Accounts, passkeys: Passkeys) -> dict[str, Any]:
        """Options for ``navigator.credentials.get()``: any passkey of the site, or the
        pending user's after the password."""
        return await passkeys.authentication_options(await accounts.pending_user())

    @router.post("/passkeys/login", name="passkey_login")
    async def login(body: PasskeyAssertion, accounts: Accounts, passkeys: Passkeys) -> LoginResult:
        """Sign in with the browser's answer (no password needed, or as second factor)."""
        user = await finish_with_passkey(accounts, passkeys, body.credential)
        return LoginResult(user=Me.of(user))

    return router
