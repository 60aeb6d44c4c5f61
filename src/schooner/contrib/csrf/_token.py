"""CSRF tokens: one secret per session, shown masked so it differs on every page.

Masking (a fresh random mask XORed with the secret) keeps the token out of reach of
compression side channels (BREACH) while any masked form of it verifies.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

__all__ = ["SESSION_KEY", "mask", "new_secret", "unmask", "verify"]

SESSION_KEY = "_csrf"
SECRET_BYTES = 32


def new_secret() -> str:
    """A new random secret, stored in the session."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mask(secret: str) -> str:
    """A token for a page: ``mask + (secret XOR mask)``, URL-safe base64."""
    raw = _decode(secret)
    pad = secrets.token_bytes(len(raw))
    masked = bytes(a ^ b for a, b in zip(raw, pad, strict=True))
    return base64.urlsafe_b64encode(pad + masked).decode().rstrip("=")


def unmask(token: str) -> bytes | None:
    """The secret inside a page token, or ``None`` when the token is malformed."""
    try:
        raw = _decode(token)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 2 * SECRET_BYTES:
        return None
    pad, masked = raw[:SECRET_BYTES], raw[SECRET_BYTES:]
    return bytes(a ^ b for a, b in zip(pad, masked, strict=True))


def verify(token: str | None, secret: str | None) -> bool:
    """Whether a submitted page token matches the session's secret (constant time)."""
    if not token or not secret:
        return False
    inside = unmask(token)
    try:
        expected = _decode(secret)
    except (binascii.Error, ValueError):
        return False
    return inside is not None and hmac.compare_digest(inside, expected)


def secret_of(session: MutableMapping[str, Any]) -> str:
    """The session's secret, created on first use."""
    secret = session.get(SESSION_KEY)
    if not isinstance(secret, str):
        secret = new_secret()
        session[SESSION_KEY] = secret
    return secret
