"""The accounts battery's exceptions.

::

    SchoonerError
    ├── AuthError                     anything the accounts battery raises
    │   ├── InvalidCredentials        wrong e-mail or password (one message for both)
    │   ├── AccountInactive           the account is disabled
    │   ├── EmailNotVerified          the e-mail address was never verified
    │   ├── InvalidToken              a link or token is forged, expired or used (also ValueError)
    │   ├── InvalidCode               a second-factor code is wrong or already used
    │   ├── PasskeyRejected           a passkey's answer does not verify
    │   └── SignInRestart             no sign-in waits for a second factor (expired, too many
    │                                 wrong codes): sign in with the password again
    ├── PasswordRejected              a new password fails the validators (.messages; ValueError)
    ├── InvalidPassword               a password the hasher refuses (ValueError)
    │   └── PasswordTooLong           longer than any hasher accepts
    └── HTTPException
        ├── NotAuthenticated (401)    a route needs a signed-in user
        ├── PermissionDenied (403)    the user lacks a permission the route needs
        └── LoginThrottled (429)      too many failed sign-ins; .retry_after

The three HTTP errors are answered like any ``HTTPException``: a problem document for API
clients (with ``WWW-Authenticate`` on 401, RFC 9110 §11.6.1), an error page for browsers.
Sign-in failures are deliberately vague: the message never says whether the e-mail exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from schooner.contrib.auth._passwords import InvalidPassword, PasswordTooLong
from schooner.contrib.auth._validators import PasswordRejected
from schooner.exceptions import HTTPException, SchoonerError

__all__ = [
    "AccountInactive",
    "AuthError",
    "EmailNotVerified",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidPassword",
    "InvalidToken",
    "LoginThrottled",
    "NotAuthenticated",
    "PasskeyRejected",
    "PasswordRejected",
    "PasswordTooLong",
    "PermissionDenied",
    "SignInRestart",
]


class AuthError(SchoonerError):
    """Anything the accounts battery raises (but its HTTP errors)."""


class InvalidCredentials(AuthError):
    """The e-mail or the password is wrong; which one is never said."""

    def __init__(self, message: str = "The e-mail address or the password is incorrect.") -> None:
        super().__init__(message)


class AccountInactive(AuthError):
    """The account exists and the password is right, but the account is disabled."""


class EmailNotVerified(AuthError):
    """The account's e-mail address was never verified, and sign-in requires it."""


class InvalidToken(AuthError, ValueError):
    """A verification or reset link, or an API token, is forged, expired or already used."""


class InvalidCode(AuthError):
    """A code from an authenticator app or a recovery code is wrong, or was used already."""

    def __init__(self, message: str = "The code is not valid.") -> None:
        super().__init__(message)


class PasskeyRejected(AuthError):
    """A passkey's answer (a WebAuthn registration or assertion) does not verify: forged,
    for another site, replayed, or from an unknown passkey."""


class SignInRestart(AuthError):
    """No sign-in is waiting for its second factor: it expired, was never started, or took
    too many wrong codes. The user signs in with the password again."""

    def __init__(
        self, message: str = "Your sign-in has expired. Please sign in with your password again."
    ) -> None:
        super().__init__(message)


class NotAuthenticated(HTTPException):
    """401: the route needs a signed-in user, or the credentials sent are not valid."""

    status_code = 401

    def __init__(
        self,
        detail: str | None = "Authentication required.",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(401, detail, headers=dict(headers or {}))


class PermissionDenied(HTTPException):
    """403: the signed-in user may not do this."""

    status_code = 403

    def __init__(
        self,
        detail: str | None = "You do not have permission to do this.",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(403, detail, headers=dict(headers or {}))


class LoginThrottled(HTTPException):
    """429: too many failed sign-ins for this account or from this address."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            429,
            "Too many failed sign-in attempts. Try again later.",
            headers={"Retry-After": str(retry_after)},
        )
