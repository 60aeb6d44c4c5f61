"""The second factors' pages, under ``prefix`` (route names in the ``auth`` namespace).

``/accounts/mfa`` is the second step of signing in: a code from the app, a recovery code,
or a passkey. ``/accounts/security`` lists the user's factors and changes them: it turns
the authenticator app on (its QR code, then a first code) and off, makes new recovery
codes, and removes passkeys; its passkey button runs ``static/auth/passkeys.js`` against
the JSON API. Changes are confirmed with the password or a code, and a refused one shows
the page again with the reason (``422``). Like the JSON API, the pages call the steps in
``_steps``.
"""

from __future__ import annotations

from typing import Annotated, Any

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._mfa._passkeys import Passkeys
from schooner.contrib.auth._mfa._steps import (
    BrowserUser,
    disable_totp,
    finish_with_code,
    new_recovery_codes,
    pending_sign_in,
    remove_passkey,
)
from schooner.contrib.auth._mfa._totp import Totp
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth._routes import login_required
from schooner.contrib.auth.exceptions import InvalidCode, InvalidCredentials, SignInRestart
from schooner.contrib.forms import Field, Form
from schooner.contrib.sessions import Flash
from schooner.contrib.templates import TemplateResponse
from schooner.di import Query
from schooner.http import RedirectResponse, Request, Response
from schooner.routing import Router

__all__ = ["mfa_pages_router"]


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


# Pages are HTML for people, not operations for the OpenAPI document.
_HIDDEN: dict[str, Any] = {"include_in_schema": False}
_SIGNED_IN: dict[str, Any] = {"meta": [login_required], **_HIDDEN}


def mfa_pages_router() -> Router:
    """The second-factor pages (names in the ``auth`` namespace): the code step of
    signing in and the security page."""
    router = Router()
    _code_step(router)
    _security(router)
    return router


def _code_step(router: Router) -> None:
    """The second step of signing in."""

    @router.get("/mfa", name="mfa", **_HIDDEN)
    async def mfa(accounts: Accounts, next_url: NextUrl = None) -> Response:
        """The second step of signing in: a code, a recovery code or a passkey."""
        try:
            _, record = await pending_sign_in(accounts)
        except SignInRestart:
            return RedirectResponse(accounts.auth.login_url(next_url=next_url), 303)
        return _mfa_page(accounts, record, CodeForm(), next_url)

    @router.post("/mfa", name="mfa_post", **_HIDDEN)
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


def _security(router: Router) -> None:
    """The security page and the changes it posts."""

    @router.get("/security", name="security", **_SIGNED_IN)
    async def security(user: BrowserUser, totp: Totp, passkeys: Passkeys) -> Response:
        """The user's second factors: the authenticator app, recovery codes, passkeys."""
        return await _security_page(user, totp, passkeys)

    @router.post("/security/totp/setup", name="security_totp_setup", **_SIGNED_IN)
    async def totp_setup(user: BrowserUser, totp: Totp, flash: Flash) -> Response:
        """Start adding an authenticator app; the page shows its QR code."""
        try:
            await totp.start(user)
        except InvalidCode as exc:
            flash.error(str(exc))
        return _to_security(totp.request)

    @router.post("/security/totp/confirm", name="security_totp_confirm", **_SIGNED_IN)
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

    @router.post("/security/totp/disable", name="security_totp_disable", **_SIGNED_IN)
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
            await disable_totp(accounts, totp, user, **_confirmation(form))
        except (InvalidCode, InvalidCredentials) as exc:
            return await _refused(form, exc, user, totp, passkeys)
        flash.success("Your authenticator app is off.")
        return _to_security(totp.request)

    @router.post("/security/recovery-codes", name="security_recovery_codes", **_SIGNED_IN)
    async def recovery_codes(
        form: ConfirmForm,
        user: BrowserUser,
        accounts: Accounts,
        totp: Totp,
        passkeys: Passkeys,
    ) -> Response:
        """New recovery codes, shown once, confirmed with the password or a code."""
        try:
            codes = await new_recovery_codes(accounts, totp, user, **_confirmation(form))
        except (InvalidCode, InvalidCredentials) as exc:
            return await _refused(form, exc, user, totp, passkeys)
        return await _security_page(user, totp, passkeys, recovery_codes=codes)

    @router.post(
        "/security/passkeys/{passkey_id:int}/delete", name="security_passkey_delete", **_SIGNED_IN
    )
    async def passkey_delete(
        passkey_id: int, user: BrowserUser, totp: Totp, passkeys: Passkeys, flash: Flash
    ) -> Response:
        """Remove a passkey."""
        if await remove_passkey(passkeys, totp, user, passkey_id):
            flash.success("The passkey is removed.")
        return _to_security(totp.request)


def _confirmation(form: ConfirmForm) -> dict[str, str | None]:
    """The password and the code a change is confirmed with.

    Raises:
        InvalidCredentials: the form is not valid (a field too long).
    """
    if not form.is_valid:
        raise InvalidCredentials("Enter your password or a code from your app.")
    return {"password": form.password, "code": form.code}


async def _refused(
    form: ConfirmForm, exc: Exception, user: AbstractUser, totp: Totp, passkeys: Passkeys
) -> Response:
    """The security page again, saying why a change was refused."""
    form.add_error(None, str(exc))
    return await _security_page(user, totp, passkeys, confirm_form=form, status_code=422)


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
