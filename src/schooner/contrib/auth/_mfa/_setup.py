"""Second factors wired into an app: the factors, the services, the routes, the script.

:func:`setup_mfa` runs from ``Auth.setup`` unless ``Auth(mfa=False)``. It checks the
optional dependencies first, so a missing one is named at startup rather than on the
first sign-in, and refuses production without ``webauthn_rp_id``: passkeys are bound to
the site's domain, which the request's host must not decide.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from schooner.contrib.auth._identity import auth_of
from schooner.contrib.auth._mfa._api import mfa_api_router
from schooner.contrib.auth._mfa._pages import mfa_pages_router
from schooner.contrib.auth._mfa._passkeys import PasskeyFactor, Passkeys
from schooner.contrib.auth._mfa._totp import SecretBox, Totp, TotpFactor
from schooner.contrib.auth._mfa._webauthn import relying_party
from schooner.contrib.auth.exceptions import InvalidCode, PasskeyRejected, SignInRestart
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Session
from schooner.exceptions import HTTPException, ImproperlyConfigured, MissingDependency
from schooner.http import ProblemResponse, Request, Response

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.contrib.auth._component import Auth

__all__ = ["setup_mfa"]

STATIC = Path(__file__).parents[1] / "static"
"""The battery's static folder, which holds ``auth/passkeys.js``."""


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
