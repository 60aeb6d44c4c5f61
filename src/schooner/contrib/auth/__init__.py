"""Accounts: users, groups, permissions, sign-in, registration, guards and the current user.

::

    app = App(components=[
        Database(config=DatabaseConfig.from_env()), Migrations(),
        Sessions(), Templates(), Forms(), CSRF(), Mail(config=MailConfig.from_env()),
        Auth(),
    ])

    @app.get("/me", meta=[login_required])
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"email": user.email}

The account pages live under ``/accounts`` and the JSON API under ``/api/auth``; handlers
get the user by type (``CurrentUser``, ``OptionalUser``) and the flows through the
``Accounts`` service. API clients trade a password for JWTs at ``/api/auth/token`` or
use personal API tokens (``sch_…``). Passwords are hashed with argon2id; sign-in failures
are throttled per account and per address; links in mail are signed, expiring and
single-use. Users may add a second factor on ``/accounts/security`` — an authenticator app
(``Totp``) or passkeys (``Passkeys``), which also sign in without a password. The account
tables ship with their migrations. See the "Accounts" page of the docs.
"""

from __future__ import annotations

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._component import Auth
from schooner.contrib.auth._config import AuthConfig, HeaderScheme, JWTAlgorithm
from schooner.contrib.auth._identity import (
    CurrentUser,
    HeaderAuthenticator,
    Identity,
    OptionalUser,
    SecondFactor,
    current_user,
    optional_user,
)
from schooner.contrib.auth._mfa import (
    Passkeys,
    RecoveryCode,
    RelyingParty,
    Totp,
    TotpDevice,
    TotpSetup,
    WebAuthnCredential,
)
from schooner.contrib.auth._models import AbstractUser, AuthEvent, Group, Permission, User
from schooner.contrib.auth._passwords import Argon2Parameters, PasswordHasher, Verification
from schooner.contrib.auth._permissions import (
    PermissionSpec,
    add_to_group,
    app_label,
    grant,
    model_permissions,
    sync_permissions,
)
from schooner.contrib.auth._routes import (
    ObjectRule,
    Requirement,
    login_required,
    permission_required,
    scope_required,
    staff_required,
)
from schooner.contrib.auth._tokens import (
    ApiToken,
    ApiTokens,
    JWTTokens,
    NewApiToken,
    RefreshToken,
    TokenPair,
)
from schooner.contrib.auth._validators import (
    DEFAULT_VALIDATORS,
    MinimumLength,
    NotCommon,
    NotNumeric,
    PasswordValidator,
    UserAttributeSimilarity,
    password_help_texts,
    validate_password,
)
from schooner.contrib.auth.exceptions import (
    AccountInactive,
    AuthError,
    EmailNotVerified,
    InvalidCode,
    InvalidCredentials,
    InvalidPassword,
    InvalidToken,
    LoginThrottled,
    NotAuthenticated,
    PasskeyRejected,
    PasswordRejected,
    PasswordTooLong,
    PermissionDenied,
    SignInRestart,
)

__all__ = [
    "DEFAULT_VALIDATORS",
    "AbstractUser",
    "AccountInactive",
    "Accounts",
    "ApiToken",
    "ApiTokens",
    "Argon2Parameters",
    "Auth",
    "AuthConfig",
    "AuthError",
    "AuthEvent",
    "CurrentUser",
    "EmailNotVerified",
    "Group",
    "HeaderAuthenticator",
    "HeaderScheme",
    "Identity",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidPassword",
    "InvalidToken",
    "JWTAlgorithm",
    "JWTTokens",
    "LoginThrottled",
    "MinimumLength",
    "NewApiToken",
    "NotAuthenticated",
    "NotCommon",
    "NotNumeric",
    "ObjectRule",
    "OptionalUser",
    "PasskeyRejected",
    "Passkeys",
    "PasswordHasher",
    "PasswordRejected",
    "PasswordTooLong",
    "PasswordValidator",
    "Permission",
    "PermissionDenied",
    "PermissionSpec",
    "RecoveryCode",
    "RefreshToken",
    "RelyingParty",
    "Requirement",
    "SecondFactor",
    "SignInRestart",
    "TokenPair",
    "Totp",
    "TotpDevice",
    "TotpSetup",
    "User",
    "UserAttributeSimilarity",
    "Verification",
    "WebAuthnCredential",
    "add_to_group",
    "app_label",
    "current_user",
    "grant",
    "login_required",
    "model_permissions",
    "optional_user",
    "password_help_texts",
    "permission_required",
    "scope_required",
    "staff_required",
    "sync_permissions",
    "validate_password",
]
