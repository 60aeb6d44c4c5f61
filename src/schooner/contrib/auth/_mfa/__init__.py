"""Second factors: an authenticator app (TOTP) with recovery codes, and passkeys (WebAuthn).

A user who has enrolled a factor signs in in two steps: the password leaves a pending
sign-in in the session, and a code or a passkey finishes it. Passkeys also sign in on
their own, without a password. Factors are enrolled and removed from a signed-in browser
session only. :func:`setup_mfa` registers the factors with ``Auth``, provides the ``Totp``
and ``Passkeys`` services and mounts the routes.

The modules: ``_otp`` (the RFC 6238 arithmetic), ``_totp`` (the authenticator app),
``_recovery`` (recovery codes), ``_webauthn`` (a ceremony's relying party and challenge),
``_passkeys`` (the passkeys), ``_steps`` (what the JSON API in ``_api`` and the pages in
``_pages`` share) and ``_setup`` (the wiring). The rest of the battery imports the names
below from here, not from the modules.
"""

from __future__ import annotations

from schooner.contrib.auth._mfa._passkeys import Passkeys, WebAuthnCredential
from schooner.contrib.auth._mfa._recovery import RecoveryCode
from schooner.contrib.auth._mfa._setup import setup_mfa
from schooner.contrib.auth._mfa._totp import Totp, TotpDevice, TotpSetup
from schooner.contrib.auth._mfa._webauthn import RelyingParty

__all__ = [
    "Passkeys",
    "RecoveryCode",
    "RelyingParty",
    "Totp",
    "TotpDevice",
    "TotpSetup",
    "WebAuthnCredential",
    "setup_mfa",
]
