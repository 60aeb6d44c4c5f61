"""One request's session, and how handlers and other batteries reach it.

The session middleware puts a :class:`SessionState` in the scope; the providers here
(:func:`get_session`, :func:`lazy_session`) read it, so nothing is global.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from schooner.contrib.sessions._backends import CookieBackend, SessionBackend
from schooner.contrib.sessions._config import SessionsConfig
from schooner.contrib.sessions._cookie import SessionCookie
from schooner.contrib.sessions._session import Session
from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request
from schooner.types import Scope

__all__ = ["SCOPE_KEY", "SessionState", "get_session", "lazy_session"]

SCOPE_KEY = "schooner.session"


class SessionState:
    """One request's session: loaded on first use, committed when the response starts.

    ``used`` says whether anything read or wrote it: only then is it saved and does the
    response carry ``Vary: Cookie``. A template context loads it ahead (``prefetch``) and
    marks it used only when the page calls one of its helpers.
    """

    __slots__ = ("backend", "config", "cookie", "session", "used", "value")

    def __init__(self, cookie: SessionCookie, backend: SessionBackend, value: str | None) -> None:
        self.cookie = cookie
        self.config: SessionsConfig = cookie.config
        self.backend = backend
        self.value = value
        self.session: Session | None = None
        self.used = False

    async def load(self) -> Session:
        """The session, marked used."""
        session = await self.prefetch()
        self.used = True
        return session

    async def prefetch(self) -> Session:
        """The session, read now but not marked used."""
        if self.session is None:
            self.session = await self._read() or Session()
        return self.session

    async def _read(self) -> Session | None:
        token = self.cookie.unsign(self.value) if self.value else None
        if token is None:
            return None
        session = await self.backend.load(token)
        if session is None:
            return None
        config = self.config
        if config.expiry == "absolute" and session.created + config.max_age < time.time():
            return None
        return session

    async def commit(self, scope: Scope) -> bytes | None:
        """Save the session if needed; return the ``Set-Cookie`` value to send, if any."""
        session, backend = self.session, self.backend
        if session is None:
            return None
        if session.invalidated:
            await backend.delete(session)
            if self.value is None:
                return None
            return self.cookie.set_cookie(scope, "", max_age=0)
        rolling = self.config.expiry == "rolling" and len(session) > 0
        if not session.modified and not rolling:
            return None
        if session.regenerated and isinstance(backend, CookieBackend):
            session.created = time.time()
        if len(session) == 0 and session.is_new:
            return None  # nothing stored yet: no cookie
        ttl = self._ttl(session)
        touch = getattr(backend, "touch", None)
        if not session.modified and touch is not None and session.id is not None:
            # Rolling expiry of an unchanged server-side session: extend the entry, keep
            # its id; rewriting the data would be a second round trip for nothing.
            await touch(session, ttl)
            token = session.id
        else:
            token = await backend.save(session, ttl)
        return self.cookie.set_cookie(scope, self.cookie.sign(token), max_age=ttl)

    def _ttl(self, session: Session) -> int:
        config = self.config
        if config.expiry == "absolute":
            return max(1, int(session.created + config.max_age - time.time()))
        return config.max_age


def _state(request: Request) -> SessionState:
    state = request.scope.get(SCOPE_KEY)
    if not isinstance(state, SessionState):
        raise ImproperlyConfigured(
            "This needs the session, but the app has no Sessions component: "
            "App(components=[Sessions()])."
        )
    return state


async def get_session(request: Request) -> Session:
    """The request's session (the provider behind parameters annotated ``Session``).

    Other batteries call it to read or write the session; whatever calls it makes the
    response depend on the session cookie (``Vary: Cookie``).

    Raises:
        ImproperlyConfigured: the app has no ``Sessions`` component.
    """
    return await _state(request).load()


async def lazy_session(request: Request) -> Callable[[], Session]:
    """Load the request's session now; return a getter that marks it used when called.

    For template helpers, which run synchronously while a page renders: the data is read
    here (it may take I/O), but the response depends on the session — is saved, carries
    ``Vary: Cookie`` — only if the page calls the getter.

    Raises:
        ImproperlyConfigured: the app has no ``Sessions`` component.
    """
    state = _state(request)
    session = await state.prefetch()

    def use() -> Session:
        state.used = True
        return session

    return use
