"""Working out who makes a request, and signing browsers in and out (part of ``Auth``)."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from schooner.contrib.auth._config import AuthConfig
from schooner.contrib.auth._identity import IDENTITY_KEY, HeaderAuthenticator, Identity
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth.exceptions import InvalidToken, NotAuthenticated
from schooner.contrib.sessions import get_session
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.orm import Database

__all__ = ["SESSION_HASH", "SESSION_USER", "Identification"]

SESSION_USER = "_auth_user_id"
"""The session key holding the signed-in user's id."""
SESSION_HASH = "_auth_user_hash"
"""The session key holding a keyed hash of the user's security stamp."""


class Identification:
    """The part of ``Auth`` that identifies requests (a mixin; ``Auth`` provides the
    attributes declared here)."""

    config: AuthConfig
    user_model: type[AbstractUser]
    authenticators: list[HeaderAuthenticator]
    _keys: list[str]

    if TYPE_CHECKING:

        @property
        def database(self) -> Database:
            """The database of the account tables."""
            ...

    # -- identification ---------------------------------------------------------------------

    async def identify(self, request: Request) -> Identity:
        """Who makes ``request``, worked out once per request.

        Raises:
            NotAuthenticated: an ``Authorization`` token of this app's scheme is not valid
                (forged, expired, revoked).
        """
        scope = request.scope
        found: Identity | None = scope.get(IDENTITY_KEY)
        if found is None:
            found = await self._identify(request)
            scope[IDENTITY_KEY] = found
        return found

    async def _identify(self, request: Request) -> Identity:
        header = request.headers.get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == self.config.header_scheme.lower():
                return await self._from_token(token.strip())
        return await self._from_session(request)

    async def _from_token(self, token: str) -> Identity:
        if token:
            async with self.database.sessionmaker()() as db:
                for authenticator in self.authenticators:
                    try:
                        identity = await authenticator.authenticate(token, db)
                    except InvalidToken as exc:
                        raise self.not_authenticated(str(exc), error="invalid_token") from None
                    if identity is not None:
                        if identity.user is None or not identity.user.is_active:
                            break
                        return identity
        raise self.not_authenticated("The access token is not valid.", error="invalid_token")

    async def _from_session(self, request: Request) -> Identity:
        session = await get_session(request)
        user_id = session.get(SESSION_USER)
        if user_id is None:
            return Identity()
        async with self.database.sessionmaker()() as db:
            user = await db.get(self.user_model, user_id)
        stored = session.get(SESSION_HASH)
        if (
            user is None
            or not user.is_active
            or not isinstance(stored, str)
            or not any(
                hmac.compare_digest(stored, self.session_hash(user, key)) for key in self._keys
            )
        ):
            # Deleted, disabled, or signed out everywhere since: this session is over.
            session.pop(SESSION_USER, None)
            session.pop(SESSION_HASH, None)
            return Identity()
        return Identity(user=user, method="session")

    def session_hash(self, user: AbstractUser, key: str | None = None) -> str:
        """The keyed hash of ``user``'s security stamp that a session carries."""
        secret = (key or self._keys[0]).encode()
        message = f"schooner.auth.session|{user.id}|{user.security_stamp}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    # -- sessions ---------------------------------------------------------------------------

    async def start_session(self, request: Request, user: AbstractUser) -> None:
        """Sign ``user`` in on this browser: a new session id (against session fixation),
        the user's id and stamp hash in it, and this request's identity updated."""
        session = await get_session(request)
        keep = {k: v for k, v in session.items() if not k.startswith("_auth")}
        session.clear()
        session.regenerate()
        session.update(keep)
        session[SESSION_USER] = user.id
        session[SESSION_HASH] = self.session_hash(user)
        request.scope[IDENTITY_KEY] = Identity(user=user, method="session")

    async def end_session(self, request: Request) -> None:
        """Sign out of this browser: the session is deleted on the server and its cookie
        cleared, whatever it held."""
        session = await get_session(request)
        session.invalidate()
        request.scope[IDENTITY_KEY] = Identity()

    def not_authenticated(
        self, detail: str = "Authentication required.", *, error: str | None = None
    ) -> NotAuthenticated:
        """A 401 with the ``WWW-Authenticate`` challenge of this app's scheme (RFC 6750)."""
        challenge = f'{self.config.header_scheme} realm="api"'
        if error is not None:
            challenge += f', error="{error}"'
        return NotAuthenticated(detail, headers={"WWW-Authenticate": challenge})
