"""Second factors: an authenticator app (TOTP) with recovery codes, and passkeys (WebAuthn).

A user who has enrolled a factor signs in in two steps: the password leaves a pending
sign-in in the session, and a code or a passkey finishes it. Passkeys also sign in on
their own, without a password. Factors are enrolled and removed from a signed-in browser
session only. :func:`setup_mfa` registers the factors with ``Auth``, provides the ``Totp``
and ``Passkeys`` services and mounts the routes (the JSON API and the pages).

The rest of the battery imports these names from here, not from the modules.
"""

from __future__ import annotations

from schooner.contrib.auth._mfa._steps import setup_mfa
from schooner.contrib.auth._mfa._totp import RecoveryCode, Totp, TotpDevice, TotpSetup
from schooner.contrib.auth._mfa._webauthn import Passkeys, RelyingParty, WebAuthnCredential

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
