"""The steps of second factors that the JSON API and the pages share.

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

from typing import TYPE_CHECKING, Annotated, Any

from schooner.contrib.auth._accounts import PENDING_KEY, Accounts
from schooner.contrib.auth._identity import auth_of
from schooner.contrib.auth._mfa._passkeys import Passkeys
from schooner.contrib.auth._mfa._totp import Totp
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
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = [
    "BrowserUser",
    "browser_user",
    "check_password_or_code",
    "disable_totp",
    "finish_with_code",
    "finish_with_passkey",
    "has_factor",
    "new_recovery_codes",
    "pending_sign_in",
    "remove_passkey",
]

PENDING_LIMITS = "5/10 minutes"
"""Wrong codes one pending sign-in may take before the password is asked again."""


# -- signing in ---------------------------------------------------------------------------------


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


# -- managing the factors ----------------------------------------------------------------------


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


async def disable_totp(
    accounts: Accounts, totp: Totp, user: AbstractUser, *, password: str | None, code: str | None
) -> None:
    """Turn the user's authenticator app off, confirmed with the password or a code.

    Raises:
        InvalidCredentials, InvalidCode, LoginThrottled: as :func:`check_password_or_code`.
    """
    await check_password_or_code(accounts, totp, user, password=password, code=code)
    await totp.disable(user)


async def new_recovery_codes(
    accounts: Accounts, totp: Totp, user: AbstractUser, *, password: str | None, code: str | None
) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed with the password or a code.

    Raises:
        InvalidCode: the user has no second factor to recover yet, or the code is wrong.
        InvalidCredentials, LoginThrottled: as :func:`check_password_or_code`.
    """
    if not await has_factor(accounts.auth, accounts.db, user):
        raise InvalidCode("Set up an authenticator app or a passkey first.")
    await check_password_or_code(accounts, totp, user, password=password, code=code)
    return await totp.issue_recovery_codes(user)


async def remove_passkey(
    passkeys: Passkeys, totp: Totp, user: AbstractUser, passkey_id: int
) -> bool:
    """Remove one of the user's passkeys, and the recovery codes when no factor is left;
    whether the passkey was theirs."""
    if not await passkeys.remove(user, passkey_id):
        return False
    await totp.drop_recovery_codes_if_unused(user)
    return True
