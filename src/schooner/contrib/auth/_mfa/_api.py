"""The second factors' routes: the JSON API (``auth-api`` names) and the pages (``auth``).

The JSON API finishes a pending sign-in (``POST /mfa/totp``, the passkey endpoints), and
manages the user's factors: the authenticator app, recovery codes, passkeys. The pages are
the code step of signing in (``/accounts/mfa``) and the security page
(``/accounts/security``), whose passkey button runs ``static/auth/passkeys.js`` against
the JSON API. Both call the steps in :mod:`._steps` and the ``Totp`` and ``Passkeys``
services.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._api import LoginResult, Me
from schooner.contrib.auth._mfa._steps import (
    BrowserUser,
    check_password_or_code,
    finish_with_code,
    finish_with_passkey,
    has_factor,
    pending_sign_in,
)
from schooner.contrib.auth._mfa._totp import Totp
from schooner.contrib.auth._mfa._webauthn import Passkeys, WebAuthnCredential
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth._routes import login_required
from schooner.contrib.auth.exceptions import InvalidCode, InvalidCredentials, SignInRestart
from schooner.contrib.forms import Field, Form
from schooner.contrib.sessions import Flash
from schooner.contrib.templates import TemplateResponse
from schooner.di import Query
from schooner.exceptions import HTTPException
from schooner.http import RedirectResponse, Request, Response
from schooner.routing import Router

__all__ = ["mfa_api_router", "mfa_pages_router"]


# -- JSON API -------------------------------------------------------------------------------------


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
        await check_password_or_code(accounts, totp, user, password=body.password, code=body.code)
        await totp.disable(user)

    @router.post("/mfa/recovery-codes", name="recovery_codes", **manage)
    async def new_codes(
        body: Confirmation, user: BrowserUser, accounts: Accounts, totp: Totp
    ) -> RecoveryCodes:
        """New recovery codes (the old ones stop working), confirmed like ``disable``."""
        if not await has_factor(accounts.auth, accounts.db, user):
            raise InvalidCode("Set up an authenticator app or a passkey first.")
        await check_password_or_code(accounts, totp, user, password=body.password, code=body.code)
        return RecoveryCodes(recovery_codes=await totp.issue_recovery_codes(user))

    @router.get("/passkeys", name="passkeys", **manage)
    async def list_passkeys(user: BrowserUser, passkeys: Passkeys) -> list[PasskeyOut]:
        """The user's passkeys."""
        return [PasskeyOut.of(row) for row in await passkeys.list(user)]

    @router.delete("/passkeys/{passkey_id:int}", name="passkey_delete", status_code=204, **manage)
    async def remove(passkey_id: int, user: BrowserUser, passkeys: Passkeys, totp: Totp) -> None:
        """Remove one of the user's passkeys."""
        if not await passkeys.remove(user, passkey_id):
            raise HTTPException(404, "You have no passkey with this id.")
        await totp.drop_recovery_codes_if_unused(user)

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


# -- pages -------------------------------------------------------------------------------------


NextUrl = Annotated[str | None, Query(alias="next", max_length=2000)]
"""Where to go once signed in (``?next=``), kept when it is a path on this site."""


class CodeForm(Form):
    """A code from the authenticator app or a recovery code."""

    code: Annotated[
        str,
        Field(
            label="Code",
            max_length=64,
            autocomplete="one-time-code",
            help_text="The six digits your authenticator app shows, or a recovery code.",
        ),
    ]


class ConfirmForm(Form):
    """The password or a code, to confirm a change to the second factors."""

    password: Annotated[
        str | None,
        Field(widget="password", max_length=4096, autocomplete="current-password"),
    ] = None
    code: Annotated[
        str | None,
        Field(label="Or a code from your app", max_length=64, autocomplete="one-time-code"),
    ] = None


def mfa_pages_router() -> Router:
    """The second-factor pages (names in the ``auth`` namespace): the code step of
    signing in and the security page."""
    router = Router()
    hidden: dict[str, Any] = {"include_in_schema": False}
    page: dict[str, Any] = {"meta": [login_required], **hidden}

    @router.get("/mfa", name="mfa", **hidden)
    async def mfa(accounts: Accounts, next_url: NextUrl = None) -> Response:
        """The second step of signing in: a code, a recovery code or a passkey."""
        try:
            _, record = await pending_sign_in(accounts)
        except SignInRestart:
            return RedirectResponse(accounts.auth.login_url(next_url=next_url), 303)
        return _mfa_page(accounts, record, CodeForm(), next_url)

    @router.post("/mfa", name="mfa_post", **hidden)
    async def mfa_post(
        form: CodeForm, accounts: Accounts, totp: Totp, flash: Flash, next_url: NextUrl = None
    ) -> Response:
        """Check the code; on to ``next`` when it is right."""
        auth = accounts.auth
        try:
            _, record = await pending_sign_in(accounts)
            if form.is_valid:
                await finish_with_code(accounts, totp, form.code)
                return RedirectResponse(auth.next_or_default(next_url), 303)
        except SignInRestart as exc:
            flash.error(str(exc))
            return RedirectResponse(auth.login_url(next_url=next_url), 303)
        except InvalidCode as exc:
            form.add_error("code", str(exc))
        return _mfa_page(accounts, record, form, next_url, status_code=422)

    @router.get("/security", name="security", **page)
    async def security(user: BrowserUser, totp: Totp, passkeys: Passkeys) -> Response:
        """The user's second factors: the authenticator app, recovery codes, passkeys."""
        return await _security_page(user, totp, passkeys)

    @router.post("/security/totp/setup", name="security_totp_setup", **page)
    async def totp_setup(user: BrowserUser, totp: Totp, flash: Flash) -> Response:
        """Start adding an authenticator app; the page shows its QR code."""
        try:
            await totp.start(user)
        except InvalidCode as exc:
            flash.error(str(exc))
        return _to_security(totp.request)

    @router.post("/security/totp/confirm", name="security_totp_confirm", **page)
    async def totp_confirm(
        form: CodeForm, user: BrowserUser, totp: Totp, passkeys: Passkeys, flash: Flash
    ) -> Response:
        """Turn the app on with its first code, and show the recovery codes once."""
        if form.is_valid:
            try:
                codes = await totp.confirm(user, form.code)
            except InvalidCode as exc:
                form.add_error("code", str(exc))
            else:
                flash.success("Your authenticator app is on.")
                return await _security_page(user, totp, passkeys, recovery_codes=codes)
        return await _security_page(user, totp, passkeys, code_form=form, status_code=422)

    @router.post("/security/totp/disable", name="security_totp_disable", **page)
    async def totp_disable(
        form: ConfirmForm,
        user: BrowserUser,
        accounts: Accounts,
        totp: Totp,
        passkeys: Passkeys,
        flash: Flash,
    ) -> Response:
        """Turn the app off, confirmed with the password or a code."""
        try:
            await _confirm(form, accounts, totp, user)
        except (InvalidCode, InvalidCredentials) as exc:
            form.add_error(None, str(exc))
            return await _security_page(user, totp, passkeys, confirm_form=form, status_code=422)
        await totp.disable(user)
        flash.success("Your authenticator app is off.")
        return _to_security(totp.request)

    @router.post("/security/recovery-codes", name="security_recovery_codes", **page)
    async def recovery_codes(
        form: ConfirmForm,
        user: BrowserUser,
        accounts: Accounts,
        totp: Totp,
        passkeys: Passkeys,
    ) -> Response:
        """New recovery codes, shown once, confirmed with the password or a code."""
        try:
            if not await has_factor(accounts.auth, accounts.db, user):
                raise InvalidCode("Set up an authenticator app or a passkey first.")
            await _confirm(form, accounts, totp, user)
        except (InvalidCode, InvalidCredentials) as exc:
            form.add_error(None, str(exc))
            return await _security_page(user, totp, passkeys, confirm_form=form, status_code=422)
        codes = await totp.issue_recovery_codes(user)
        return await _security_page(user, totp, passkeys, recovery_codes=codes)

    @router.post(
        "/security/passkeys/{passkey_id:int}/delete", name="security_passkey_delete", **page
    )
    async def passkey_delete(
        passkey_id: int, user: BrowserUser, totp: Totp, passkeys: Passkeys, flash: Flash
    ) -> Response:
        """Remove a passkey."""
        if await passkeys.remove(user, passkey_id):
            await totp.drop_recovery_codes_if_unused(user)
            flash.success("The passkey is removed.")
        return _to_security(totp.request)

    return router


async def _confirm(form: ConfirmForm, accounts: Accounts, totp: Totp, user: AbstractUser) -> None:
    if not form.is_valid:
        raise InvalidCredentials("Enter your password or a code from your app.")
    await check_password_or_code(accounts, totp, user, password=form.password, code=form.code)


def _mfa_page(
    accounts: Accounts,
    record: dict[str, Any],
    form: CodeForm,
    next_url: str | None,
    *,
    status_code: int = 200,
) -> Response:
    auth = accounts.auth
    methods = [m for m in record.get("methods", []) if isinstance(m, str)]
    safe_next = next_url if auth.is_safe_next(next_url) else None
    return TemplateResponse(
        "auth/mfa.html",
        {
            "form": form,
            "methods": methods,
            "next": safe_next,
            "after": auth.next_or_default(safe_next),
            "login_url": auth.login_url(next_url=safe_next),
            "passkeys_api": auth.config.api,
        },
        status_code=status_code,
    )


async def _security_page(
    user: AbstractUser,
    totp: Totp,
    passkeys: Passkeys,
    *,
    recovery_codes: list[str] | None = None,
    code_form: CodeForm | None = None,
    confirm_form: ConfirmForm | None = None,
    status_code: int = 200,
) -> Response:
    return TemplateResponse(
        "auth/security.html",
        {
            "user": user,
            "totp_enabled": await totp.enabled(user),
            "totp_setup": await totp.pending_setup(user),
            "recovery_codes": recovery_codes,
            "recovery_codes_left": await totp.recovery_codes_left(user),
            "passkeys": await passkeys.list(user),
            "code_form": code_form or CodeForm(),
            "confirm_form": confirm_form or ConfirmForm(),
            "passkeys_api": totp.auth.config.api,
        },
        status_code=status_code,
    )


def _to_security(request: Request) -> Response:
    return RedirectResponse(request.url_for("auth:security"), 303)
