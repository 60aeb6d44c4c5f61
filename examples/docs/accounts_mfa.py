"""Two-factor sign-in: an authenticator app (TOTP) and passkeys, over the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from schooner import App
from schooner.contrib.auth import Auth
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database, DatabaseConfig
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent

# --8<-- [start:settings]
app = App(
    components=[
        Database(config=DatabaseConfig.from_env()),
        Sessions(),
        Templates(HERE / "accounts_templates"),
        Forms(),
        CSRF(),
        Mail("console", default_from="Shop <noreply@shop.example>"),
        Auth(
            totp_issuer="Shop",  # shown next to the codes in authenticator apps
            webauthn_rp_id="shop.example",  # passkeys are bound to this domain for good
            webauthn_rp_name="Shop",
            webauthn_origins=["https://shop.example", "https://www.shop.example"],
        ),
    ]
)
# --8<-- [end:settings]


# --8<-- [start:enrol]
def add_authenticator_app(
    http: httpx.Client, read_code: Callable[[dict[str, str]], str]
) -> list[str]:
    """Turn on codes from an app for the signed-in user; returns the recovery codes.

    ``read_code`` shows the user the setup's ``qr_svg`` (or its ``secret``, to type in)
    and returns the six digits their app then shows.
    """
    setup = http.post("/api/auth/mfa/totp/setup").json()  # secret, uri (otpauth://), qr_svg
    code = read_code(setup)
    confirmed = http.post("/api/auth/mfa/totp/confirm", json={"code": code})
    confirmed.raise_for_status()  # 400 invalid_code: a wrong code, the app is still off
    codes: list[str] = confirmed.json()["recovery_codes"]
    return codes  # ten single-use codes, shown this once: the user must keep them


# --8<-- [end:enrol]


# --8<-- [start:sign_in]
def sign_in(
    http: httpx.Client, email: str, password: str, ask_code: Callable[[], str]
) -> dict[str, Any]:
    """Sign in with the password, then with a code when the account has a second factor."""
    step = http.post("/api/auth/login", json={"email": email, "password": password})
    step.raise_for_status()
    result: dict[str, Any] = step.json()
    if result["mfa_required"]:  # {"user": null, "mfa_required": true, "mfa_methods": [...]}
        # A code from the app or a recovery code; five wrong ones restart the sign-in.
        done = http.post("/api/auth/mfa/totp", json={"code": ask_code()})
        done.raise_for_status()
        result = done.json()
    return result  # {"user": {...}, ...}: the session cookie now signs the user in


# --8<-- [end:sign_in]
