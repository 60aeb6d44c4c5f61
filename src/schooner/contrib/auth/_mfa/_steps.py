"""Second factors: their wiring into ``Auth``, and the steps the JSON API and the pages share.

Signing in with a second factor takes two requests. The password step
(``Accounts.login``) leaves a *pending* sign-in in the session when the user has enrolled
a factor; ``POST /mfa/totp`` (a code from the app or a recovery code) or the passkey
endpoints finish it. Five wrong codes end the pending sign-in, counted in the rate
limiter's storage (so an older session cookie sent again does not reset them) and as one
failed sign-in of the account: the user starts again from the password.

Enrolling and removing factors needs a signed-in browser session, never an API token:
a stolen token must not be able to add a passkey that signs in without the password.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from schooner.contrib.auth._accounts import PENDING_KEY, Accounts
from schooner.contrib.auth._identity import auth_of
from schooner.contrib.auth._mfa._totp import SecretBox, Totp, TotpFactor
from schooner.contrib.auth._mfa._webauthn import PasskeyFactor, Passkeys, relying_party
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth.exceptions import (
    InvalidCode,
    InvalidCredentials,
    PasskeyRejected,
    PermissionDenied,
    SignInRestart,
)
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Session, get_session
from schooner.di import Inject
from schooner.exceptions import HTTPException, ImproperlyConfigured, MissingDependency
from schooner.http import ProblemResponse, Request, Response

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.contrib.auth._component import Auth

__all__ = [
    "BrowserUser",
    "browser_user",
    "check_password_or_code",
    "finish_with_code",
    "finish_with_passkey",
    "has_factor",
    "pending_sign_in",
    "setup_mfa",
]

PENDING_LIMITS = "5/10 minutes"
"""Wrong codes one pending sign-in may take before the password is asked again."""

STATIC = Path(__file__).parents[1] / "static"


# -- wiring -----------------------------------------------------------------------------------


def setup_mfa(app: App, auth: Auth, *, keys: list[str]) -> None:
    """Register the factors, the services, the routes and the passkey script.

    Raises:
        MissingDependency: pyotp, webauthn or qrcode is not installed.
        ImproperlyConfigured: production without ``webauthn_rp_id``.
    """
    for package in ("pyotp", "webauthn", "qrcode"):
        if importlib.util.find_spec(package) is None:
            raise MissingDependency(package, "auth")
    config = auth.config
    production = app.settings.is_production
    if production and config.webauthn_rp_id is None:
        raise ImproperlyConfigured(
            "Auth: passkeys are bound to the site's domain: set webauthn_rp_id "
            "(AUTH_WEBAUTHN_RP_ID=example.com) in production, or Auth(mfa=False)."
        )
    box = SecretBox(keys)
    issuer = config.totp_issuer or config.webauthn_rp_name

    async def totp_provider(request: Request, db: AsyncSession) -> Totp:
        return Totp(auth_of(request), request, db, box=box, issuer=issuer)

    async def passkeys_provider(request: Request, db: AsyncSession, session: Session) -> Passkeys:
        rp = relying_party(config, request, production=production)
        return Passkeys(auth_of(request), request, db, session, rp=rp)

    auth.add_second_factor(TotpFactor())
    auth.add_second_factor(PasskeyFactor())
    app.provide(Totp, totp_provider)
    app.provide(Passkeys, passkeys_provider)
    for kind in (InvalidCode, PasskeyRejected, SignInRestart):
        app.add_exception_handler(kind, _answer_mfa_error, replace=False)
    # Imported here: the routes import this module's steps.
    from schooner.contrib.auth._mfa._api import mfa_api_router, mfa_pages_router

    if config.api:
        app.include(mfa_api_router(), prefix=config.api_prefix, namespace="auth-api")
    if config.pages:
        app.include(mfa_pages_router(), prefix=config.prefix, namespace="auth")
        app.add_static_dir(STATIC)


_CODES = {InvalidCode: "invalid_code", PasskeyRejected: "passkey_rejected"}


def _answer_mfa_error(request: Request, exc: Exception) -> Response:
    """The API's answer to a second-factor error that a handler let through."""
    code = _CODES.get(type(exc), "sign_in_restart")
    error = HTTPException(400, str(exc), extra={"code": code})
    return ProblemResponse(error.to_problem(), error.status_code, error.headers)


# -- shared steps -------------------------------------------------------------------------------


async def browser_user(request: Request, db: AsyncSession, session: Session) -> AbstractUser:
    """The user signed in with a browser session (not an API token).

    Raises:
        NotAuthenticated: nobody is signed in.
        PermissionDenied: the request carries an API token.
    """
    auth = auth_of(request)
    identity = await auth.identify(request)
    if identity.user is None:
        raise auth.not_authenticated()
    if identity.method != "session":
        raise PermissionDenied(
            "Second factors are managed from a signed-in browser session, not with a token."
        )
    return await db.merge(identity.user, load=False)


BrowserUser = Annotated[AbstractUser, Inject(browser_user)]


async def pending_sign_in(accounts: Accounts) -> tuple[AbstractUser, dict[str, Any]]:
    """The user half-way through signing in and the pending record.

    Raises:
        SignInRestart: nobody is half-way through (or it expired).
    """
    user = await accounts.pending_user()
    session: Session = await _session(accounts.request)
    record = session.get(PENDING_KEY)
    if user is None or not isinstance(record, dict):
        raise SignInRestart()
    return user, record


async def finish_with_code(accounts: Accounts, totp: Totp, code: str) -> AbstractUser:
    """Finish a pending sign-in with an app's code or a recovery code.

    Raises:
        SignInRestart: no pending sign-in, or this was its fifth wrong code.
        InvalidCode: the code is wrong or used (fewer than five so far).
    """
    user, record = await pending_sign_in(accounts)
    auth = accounts.auth
    key = f"auth:mfa:pending:{user.id}:{record.get('at')}"
    limiter = auth.throttle.limiter
    if not (await limiter.peek(key, PENDING_LIMITS)).allowed:
        await _restart(accounts)
    method = await totp.check(user, code)
    if method is None:
        await auth.audit.record("mfa_failed", request=accounts.request, user=user, step="sign_in")
        result = await limiter.hit(key, PENDING_LIMITS)
        if not result.allowed or result.remaining == 0:
            # Five wrong codes count as one failed sign-in towards the account's lockout.
            await auth.throttle.failed(accounts.request, user.email)
            await _restart(accounts)
        raise InvalidCode()
    await accounts.complete_login(user, method=method)
    return user


async def finish_with_passkey(
    accounts: Accounts, passkeys: Passkeys, credential: dict[str, Any]
) -> AbstractUser:
    """Sign in with a passkey: the second factor of a pending sign-in, or on its own.

    Raises:
        PasskeyRejected: the answer does not verify.
    """
    pending = await accounts.pending_user()
    try:
        user = await passkeys.authenticate(credential, user=pending)
    except PasskeyRejected:
        await accounts.auth.audit.record(
            "mfa_failed", request=accounts.request, user=pending, step="passkey"
        )
        raise
    await accounts.complete_login(user, method="passkey")
    return user


async def _restart(accounts: Accounts) -> None:
    session = await _session(accounts.request)
    session.pop(PENDING_KEY, None)
    raise SignInRestart("Too many wrong codes. Please sign in with your password again.")


async def _session(request: Request) -> Session:
    return await get_session(request)


async def check_password_or_code(
    accounts: Accounts, totp: Totp, user: AbstractUser, *, password: str | None, code: str | None
) -> None:
    """Confirm a change to the user's factors with the password or a code.

    Raises:
        InvalidCredentials: neither was given, or the password is wrong.
        InvalidCode: the code is wrong.
        LoginThrottled: too many wrong passwords or codes lately.
    """
    if code:
        await totp.check_for_change(user, code)
        return
    if not password:
        raise InvalidCredentials("Enter your password or a code from your app.")
    throttle = accounts.auth.throttle
    await throttle.check(accounts.request, user.email)
    if not await accounts.check_password(user, password):
        await throttle.failed(accounts.request, user.email)
        raise InvalidCredentials("The password is incorrect.")


async def has_factor(auth: Auth, db: AsyncSession, user: AbstractUser) -> bool:
    """Whether ``user`` has enrolled any second factor."""
    for factor in auth.second_factors:
        if await factor.enrolled(user, db):
            return True
    return False
