"""WebAuthn around a passkey ceremony: the relying party, the challenge, the encoding.

Every ceremony takes two requests. The first returns options with a random challenge,
which the session keeps; the browser hands them to ``navigator.credentials.create()`` (to
register a passkey) or ``.get()`` (to sign in), and the second request sends the signed
answer back, verified with py_webauthn against the challenge, the relying-party id and the
allowed origins. A challenge lives five minutes and is accepted once: it leaves the session
at the first answer, and its use is also counted in the rate limiter's storage, so an old
session cookie sent again cannot replay it (:class:`Challenges`).

Binary values travel and are stored in unpadded base64url, as WebAuthn's JSON carries
them. py_webauthn is imported on first use, not with the battery.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth.exceptions import PasskeyRejected
from schooner.contrib.ratelimit import RateLimiter
from schooner.contrib.sessions import Session
from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._config import AuthConfig

__all__ = [
    "CHALLENGE_MAX_AGE",
    "Ceremony",
    "Challenges",
    "PendingChallenge",
    "RelyingParty",
    "b64",
    "options_json",
    "rejections",
    "relying_party",
    "unb64",
]

CHALLENGE_MAX_AGE = 300
"""Seconds between the options and the answer (also the browser's timeout)."""

Ceremony = Literal["create", "get"]
"""Registering a passkey (``navigator.credentials.create()``) or signing in (``.get()``)."""

_SESSION_KEYS: dict[Ceremony, str] = {
    "create": "_auth_webauthn_create",
    "get": "_auth_webauthn_get",
}


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who passkeys are made for.

    Attributes:
        id: the domain passkeys are bound to (``example.com``).
        name: the name browsers show.
        origins: the origins whose pages may use them (``https://example.com``).
    """

    id: str
    name: str
    origins: tuple[str, ...]


def relying_party(config: AuthConfig, request: Request, *, production: bool) -> RelyingParty:
    """The relying party from the settings; in development, the request's host fills in
    what is unset.

    Raises:
        ImproperlyConfigured: production without ``webauthn_rp_id``.
    """
    rp_id = config.webauthn_rp_id
    origins: Sequence[str] = config.webauthn_origins
    if rp_id is None:
        if production:
            raise ImproperlyConfigured(
                "Auth: passkeys need webauthn_rp_id (AUTH_WEBAUTHN_RP_ID=example.com) in "
                "production."
            )
        rp_id = (request.url.hostname or "localhost").lower()
        origins = origins or [f"{request.url.scheme}://{request.url.netloc}"]
    if not origins:
        origins = [f"https://{rp_id}"]
    return RelyingParty(id=rp_id, name=config.webauthn_rp_name or rp_id, origins=tuple(origins))


@dataclass(frozen=True, slots=True)
class PendingChallenge:
    """A ceremony's challenge, taken from the session to check its answer.

    Attributes:
        challenge: the random bytes the answer must have signed.
        handle: the user handle the registration options named (base64url); ``None`` for
            signing in.
    """

    challenge: bytes
    handle: str | None


class Challenges:
    """The challenges of one browser's ceremonies, between their two requests.

    Args:
        session: the browser's session, which keeps the pending challenges.
        limiter: the rate limiter, whose storage remembers which challenges were answered.
    """

    def __init__(self, session: Session, limiter: RateLimiter) -> None:
        self.session = session
        self.limiter = limiter

    def keep(
        self,
        ceremony: Ceremony,
        challenge: bytes,
        *,
        user: AbstractUser | None,
        handle: bytes | None = None,
    ) -> None:
        """Keep ``challenge`` for the answer (in place of the ceremony's previous one), for
        ``user`` — or for nobody yet, when signing in without a password."""
        pending: dict[str, Any] = {
            "challenge": b64(challenge),
            "at": time.time(),
            "user": user.id if user is not None else None,
        }
        if handle is not None:
            pending["handle"] = b64(handle)
        self.session[_SESSION_KEYS[ceremony]] = pending

    async def take(self, ceremony: Ceremony, user: AbstractUser | None) -> PendingChallenge:
        """The pending ceremony's challenge, removed from the session and marked used.

        Raises:
            PasskeyRejected: none, expired, for another user, or used before.
        """
        pending = self.session.pop(_SESSION_KEYS[ceremony], None)
        if (
            not isinstance(pending, dict)
            or not isinstance(pending.get("challenge"), str)
            or not isinstance(pending.get("at"), int | float)
            or pending.get("user") != (user.id if user is not None else None)
        ):
            raise PasskeyRejected("Start again: ask for new passkey options first.")
        if time.time() - pending["at"] > CHALLENGE_MAX_AGE:
            raise PasskeyRejected("This passkey request expired; try again.")
        challenge = unb64(pending["challenge"])
        used = await self.limiter.hit(f"auth:webauthn:used:{pending['challenge']}", "1/10 minutes")
        if not used.allowed:
            raise PasskeyRejected("This passkey request was answered already; try again.")
        handle = pending.get("handle")
        return PendingChallenge(challenge, handle if isinstance(handle, str) else None)


def options_json(options: Any) -> dict[str, Any]:
    """py_webauthn's options as the JSON the browser's API takes (binary in base64url)."""
    from webauthn import options_to_json

    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def b64(data: bytes) -> str:
    """``data`` in unpadded base64url."""
    from webauthn.helpers import bytes_to_base64url

    return bytes_to_base64url(data)


def unb64(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``."""
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(text)


@functools.cache
def rejections() -> tuple[type[Exception], ...]:
    """What py_webauthn raises for an answer that does not verify or is malformed.

    Malformed input also surfaces as the standard errors of base64, CBOR and struct
    parsing (``binascii.Error`` and ``CBORDecodeError`` are ``ValueError`` s).
    """
    from webauthn.helpers.exceptions import WebAuthnException

    return (WebAuthnException, ValueError, TypeError, KeyError, IndexError, OverflowError)
