"""Signed, expiring, single-use links: e-mail verification, password reset, e-mail change.

A link's token carries the user's id, a timestamp and a *fingerprint* of the account
state the link is allowed to change, signed with the app's secret key (HMAC-SHA256, through
itsdangerous). Nothing is stored: a link is single-use because using it changes the state
its fingerprint covers (a reset changes the password hash, a verification sets
``email_verified``, an e-mail change changes the address), and any other change to that
state (a new password, "sign out everywhere") voids it as well.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any, Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth.exceptions import InvalidToken

__all__ = ["LinkSigner", "Purpose"]

Purpose = Literal["verify-email", "reset-password", "change-email"]


class LinkSigner:
    """Makes and reads link tokens for one app.

    Args:
        keys: the app's secret keys, newest first (older ones still verify).
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = list(keys)
        # itsdangerous signs with the last key and verifies with any.
        self._serializer = URLSafeTimedSerializer(list(reversed(self._keys)), salt="schooner.auth")

    def fingerprint(
        self, purpose: Purpose, user: AbstractUser, extra: str = "", *, key: str | None = None
    ) -> str:
        """A keyed hash of the state ``purpose`` may change, for ``user`` (with the newest
        key unless ``key`` is given)."""
        if purpose == "reset-password":
            # The address too: a link mailed to an old address dies with the change.
            state = f"{user.password}|{user.security_stamp}|{user.last_login}|{user.email_key}"
        elif purpose == "verify-email":
            state = f"{user.email_key}|{user.email_verified}"
        else:
            state = f"{user.email_key}|{user.security_stamp}|{extra}"
        message = f"{purpose}|{user.id}|{state}".encode()
        secret = (key or self._keys[0]).encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]

    def make(self, purpose: Purpose, user: AbstractUser, *, extra: str = "") -> str:
        """A URL-safe token for ``user`` (``extra``: the new address of an e-mail change)."""
        payload = {"p": purpose, "u": user.id, "f": self.fingerprint(purpose, user, extra)}
        if extra:
            payload["x"] = extra
        return self._serializer.dumps(payload)

    def read(self, purpose: Purpose, token: str, *, max_age: int) -> tuple[int, str]:
        """The user id and ``extra`` in a token, checked for signature, purpose and age.

        The fingerprint is checked with :meth:`check` once the user is loaded.

        Raises:
            InvalidToken: forged, for another purpose, malformed or expired.
        """
        try:
            payload: Any = self._serializer.loads(token, max_age=max_age)
        except SignatureExpired:
            raise InvalidToken("This link has expired. Ask for a new one.") from None
        except BadSignature:
            raise InvalidToken("This link is not valid.") from None
        if (
            not isinstance(payload, dict)
            or payload.get("p") != purpose
            or not isinstance(payload.get("u"), int)
            or not isinstance(payload.get("f"), str)
        ):
            raise InvalidToken("This link is not valid.")
        extra = payload.get("x", "")
        return payload["u"], extra if isinstance(extra, str) else ""

    def check(self, purpose: Purpose, token: str, user: AbstractUser | None) -> None:
        """Check that the token still matches ``user``'s state (signature already read).

        Raises:
            InvalidToken: no such user any more, or the link was used or made void.
        """
        try:
            payload: Any = self._serializer.loads(token)
        except BadSignature:  # pragma: no cover - read() ran first
            raise InvalidToken("This link is not valid.") from None
        extra = payload.get("x", "")
        found = str(payload.get("f"))
        # Any of the keys: a link mailed before a key rotation works until its key is dropped.
        if user is None or not any(
            hmac.compare_digest(found, self.fingerprint(purpose, user, extra, key=key))
            for key in self._keys
        ):
            raise InvalidToken("This link has already been used or is no longer valid.")
