"""Where session data lives: in the cookie itself (default) or in Redis.

A backend turns a session into a *token* (what the cookie carries, before signing) and
back. The component signs and verifies tokens, so backends never see the secret keys.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Protocol, runtime_checkable

from schooner.contrib.sessions._session import Session

__all__ = ["CookieBackend", "SessionBackend"]


@runtime_checkable
class SessionBackend(Protocol):
    """What ``Sessions(backend=...)`` accepts."""

    async def load(self, token: str) -> Session | None:
        """The session a (verified) token names, or ``None`` if it is gone or invalid."""
        ...

    async def save(self, session: Session, max_age: int) -> str:
        """Store ``session`` for ``max_age`` seconds and return the token for the cookie."""
        ...

    async def delete(self, session: Session) -> None:
        """Forget ``session`` (at logout, or its old id after ``regenerate()``)."""
        ...


class CookieBackend:
    """Keep the whole session in the signed cookie (the default).

    Nothing is stored on the server, so any number of instances can serve a visitor. The
    cookie is readable by the visitor (signed, not encrypted): don't put secrets in it. A
    browser keeps about 4 KB per cookie; a bigger session is an error that says so.
    """

    async def load(self, token: str) -> Session | None:
        """Decode the JSON the cookie carries."""
        return decode_cookie_session(token)

    async def save(self, session: Session, max_age: int) -> str:
        """Encode the data (and creation time) as compact JSON."""
        return encode_cookie_session(session)

    async def delete(self, session: Session) -> None:
        """Nothing to delete: the cookie is the session."""


def encode_cookie_session(session: Session) -> str:
    """The token a cookie session is stored as: its data and creation time, as JSON."""
    return json.dumps(
        {"d": session.to_dict(), "c": session.created}, separators=(",", ":"), sort_keys=True
    )


def decode_cookie_session(token: str) -> Session | None:
    """The session a cookie token holds, or ``None`` when it is not one."""
    try:
        payload: Any = json.loads(token)
        data, created = payload["d"], float(payload["c"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    return Session(data, created=created)


def new_session_id() -> str:
    """A random, URL-safe session id (256 bits)."""
    return secrets.token_urlsafe(32)
