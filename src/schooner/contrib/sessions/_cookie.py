"""The session cookie: read from a request, signed, verified and written.

The cookie carries a backend's token (the whole session for ``CookieBackend``, a random id
for server-side backends), base64-encoded and signed with a timestamp, so a tampered or
expired cookie is recognised without asking the backend.
"""

from __future__ import annotations

import base64
import binascii
import logging

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from schooner.contrib.sessions._config import SessionsConfig
from schooner.contrib.sessions.exceptions import SessionTooLarge
from schooner.http.cookies import format_set_cookie, parse_cookie_header
from schooner.types import Scope

__all__ = ["MAX_COOKIE_BYTES", "SessionCookie"]

logger = logging.getLogger("schooner.sessions")

MAX_COOKIE_BYTES = 4093  # RFC 6265 asks browsers for at least 4096 bytes per cookie
SALT = "schooner.sessions"


class SessionCookie:
    """Signs and verifies the session cookie of one app, and formats its ``Set-Cookie``.

    Args:
        config: the component's options (name, lifetime, attributes).
        keys: the signing keys, newest first; the first signs, all verify.
        secure: the ``Secure`` attribute; ``None`` sets it on HTTPS requests only.
    """

    def __init__(self, config: SessionsConfig, keys: list[str], *, secure: bool | None) -> None:
        self.config = config
        self.name = config.cookie_name
        self.secure = secure
        # itsdangerous takes keys oldest first and signs with the last one.
        self._signer = TimestampSigner(list(reversed(keys)), salt=SALT)

    def read(self, scope: Scope) -> str | None:
        """The cookie's value in the request, if it has one."""
        for key, value in scope.get("headers", ()):
            if key == b"cookie":
                found = parse_cookie_header(value.decode("latin-1")).get(self.name)
                if found is not None:
                    return found
        return None

    def unsign(self, value: str) -> str | None:
        """The token a cookie value carries, or ``None`` when it is expired or not ours."""
        try:
            signed = self._signer.unsign(value, max_age=self.config.max_age)
            padded = signed + b"=" * (-len(signed) % 4)
            return base64.urlsafe_b64decode(padded).decode()
        except SignatureExpired:
            return None
        except (BadSignature, binascii.Error, UnicodeDecodeError, ValueError):
            # Tampered, signed with a key that is no longer accepted, or garbage: a fresh
            # session, as if there were no cookie.
            logger.info("Ignored a session cookie with a bad signature.")
            return None

    def sign(self, token: str) -> str:
        """The cookie value that carries ``token``."""
        encoded = base64.urlsafe_b64encode(token.encode()).rstrip(b"=")
        return self._signer.sign(encoded).decode()

    def set_cookie(self, scope: Scope, value: str, *, max_age: int) -> bytes:
        """The ``Set-Cookie`` header value for ``value``.

        Raises:
            SessionTooLarge: the header would not fit in a browser's cookie.
        """
        config = self.config
        secure = self.secure
        if secure is None:
            secure = scope.get("scheme") in ("https", "wss")
        header = format_set_cookie(
            self.name,
            value,
            max_age=max_age,
            path=config.path,
            domain=config.domain,
            secure=secure or config.same_site == "none",
            httponly=True,
            samesite=config.same_site,
        )
        if len(header) > MAX_COOKIE_BYTES:
            raise SessionTooLarge(
                f"The session cookie would be {len(header)} bytes; browsers keep about "
                f"{MAX_COOKIE_BYTES}. Store less in the session, or use RedisBackend."
            )
        return header.encode("latin-1")
