"""The ``Sessions`` component: signed session cookies, loaded on demand, saved on change."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from schooner.contrib.sessions._backends import CookieBackend, SessionBackend
from schooner.contrib.sessions._session import Session
from schooner.exceptions import ImproperlyConfigured, SchoonerError
from schooner.http import Request
from schooner.http.cookies import format_set_cookie, parse_cookie_header
from schooner.middleware import Middleware
from schooner.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.routing import RouteInfo

__all__ = ["SessionTooLarge", "Sessions", "get_session", "lazy_session"]

logger = logging.getLogger("schooner.sessions")

SCOPE_KEY = "schooner.session"
MAX_COOKIE_BYTES = 4093  # RFC 6265 asks browsers for at least 4096 bytes per cookie
SALT = "schooner.sessions"
Expiry = Literal["rolling", "absolute"]


class SessionTooLarge(SchoonerError):
    """The session does not fit in a cookie; keep less in it or use a server-side backend."""


@dataclass(frozen=True)
class _Config:
    backend: SessionBackend
    signer: TimestampSigner
    cookie_name: str
    max_age: int
    expiry: Expiry
    same_site: Literal["lax", "strict", "none"]
    secure: bool | None
    domain: str | None
    path: str


class _State:
    """One request's session: loaded on first use, committed when the response starts.

    ``used`` says whether anything read or wrote it: only then is it saved and does the
    response carry ``Vary: Cookie``. A template context loads it ahead (``prefetch``) and
    marks it used only when the page calls one of its helpers.
    """

    __slots__ = ("config", "cookie", "session", "used")

    def __init__(self, config: _Config, cookie: str | None) -> None:
        self.config = config
        self.cookie = cookie
        self.session: Session | None = None
        self.used = False

    async def load(self) -> Session:
        session = await self.prefetch()
        self.used = True
        return session

    async def prefetch(self) -> Session:
        if self.session is None:
            self.session = await self._read() or Session()
        return self.session

    async def _read(self) -> Session | None:
        config = self.config
        if not self.cookie:
            return None
        try:
            signed = config.signer.unsign(self.cookie, max_age=config.max_age)
            padded = signed + b"=" * (-len(signed) % 4)
            token = base64.urlsafe_b64decode(padded).decode()
        except SignatureExpired:
            return None
        except (BadSignature, binascii.Error, UnicodeDecodeError, ValueError):
            # Tampered, signed with a key that is no longer accepted, or garbage: a fresh
            # session, as if there were no cookie.
            logger.info("Ignored a session cookie with a bad signature.")
            return None
        session = await config.backend.load(token)
        if session is None:
            return None
        if config.expiry == "absolute" and session.created + config.max_age < _now():
            return None
        return session

    async def commit(self, scope: Scope) -> bytes | None:
        """Save the session if needed; return the ``Set-Cookie`` value to send, if any."""
        session, config = self.session, self.config
        if session is None:
            return None
        if session.invalidated:
            await config.backend.delete(session)
            if self.cookie is None:
                return None
            return self._set_cookie(scope, "", max_age=0)
        rolling = config.expiry == "rolling" and len(session) > 0
        if not session.modified and not rolling:
            return None
        if session.regenerated and isinstance(config.backend, CookieBackend):
            session.created = _now()
        if len(session) == 0 and session.is_new:
            return None  # nothing stored yet: no cookie
        ttl = self._ttl(session)
        touch = getattr(config.backend, "touch", None)
        if not session.modified and touch is not None and session.id is not None:
            # Rolling expiry of an unchanged server-side session: extend the entry, keep
            # its id; rewriting the data would be a second round trip for nothing.
            await touch(session, ttl)
            token = session.id
        else:
            token = await config.backend.save(session, ttl)
        encoded = base64.urlsafe_b64encode(token.encode()).rstrip(b"=")
        value = config.signer.sign(encoded).decode()
        return self._set_cookie(scope, value, max_age=ttl)

    def _ttl(self, session: Session) -> int:
        config = self.config
        if config.expiry == "absolute":
            return max(1, int(session.created + config.max_age - _now()))
        return config.max_age

    def _set_cookie(self, scope: Scope, value: str, *, max_age: int) -> bytes:
        config = self.config
        secure = config.secure
        if secure is None:
            secure = scope.get("scheme") in ("https", "wss")
        header = format_set_cookie(
            config.cookie_name,
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


def _now() -> float:
    return time.time()


class SessionMiddleware:
    """Attach a lazily loaded session to each connection; save it when the response starts."""

    def __init__(self, app: ASGIApp, *, config: _Config) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection with its session available to dependencies."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope, self.config.cookie_name)
        state = _State(self.config, cookie)
        scope[SCOPE_KEY] = state
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)  # read-only: a handshake sets no cookie
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.used:
                header = await state.commit(scope)
                headers = list(message.get("headers", ()))
                # The response depends on the session: shared caches must not mix visitors.
                headers.append((b"vary", b"Cookie"))
                if header is not None:
                    headers.append((b"set-cookie", header))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            found = parse_cookie_header(value.decode("latin-1")).get(name)
            if found is not None:
                return found
    return None


def _state(request: Request) -> _State:
    state = request.scope.get(SCOPE_KEY)
    if not isinstance(state, _State):
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


class Sessions:
    """Sessions as a component: ``App(components=[Sessions()])``.

    Handlers ask for the session by type (``session: Session``); it is read from the cookie
    only when someone asks, and saved (with a fresh ``Set-Cookie``) when it changed.

    Args:
        backend: where data lives: :class:`CookieBackend` (default) or ``RedisBackend``.
        secret_keys: keys that sign the cookie, newest first; the first signs, all verify.
            Default: the app's ``settings.secret_key`` then ``settings.secret_key_fallbacks``.
            Changing the key logs everybody out unless the old one stays in the list.
        cookie_name: the cookie's name.
        max_age: lifetime in seconds (two weeks by default).
        expiry: ``"rolling"`` (default): the lifetime restarts on every request that uses a
            non-empty session; ``"absolute"``: it counts from the session's creation.
        same_site: the cookie's ``SameSite`` (``"lax"`` by default).
        secure: mark the cookie ``Secure``; ``None`` (default) does so on HTTPS requests and
            always in production.
        domain, path: the cookie's scope.
    """

    name = "sessions"

    def __init__(
        self,
        backend: SessionBackend | None = None,
        *,
        secret_keys: Sequence[str] | None = None,
        cookie_name: str = "session",
        max_age: int = 14 * 24 * 3600,
        expiry: Expiry = "rolling",
        same_site: Literal["lax", "strict", "none"] = "lax",
        secure: bool | None = None,
        domain: str | None = None,
        path: str = "/",
    ) -> None:
        if max_age < 1:
            raise ImproperlyConfigured("Sessions(max_age=...) must be at least 1 second.")
        if expiry not in ("rolling", "absolute"):
            raise ImproperlyConfigured("Sessions(expiry=...) is 'rolling' or 'absolute'.")
        if secret_keys is not None and not [k for k in secret_keys if k]:
            raise ImproperlyConfigured("Sessions(secret_keys=...) needs at least one key.")
        self.backend: SessionBackend = backend if backend is not None else CookieBackend()
        self.secret_keys = list(secret_keys) if secret_keys is not None else None
        self.cookie_name = cookie_name
        self.max_age = max_age
        self.expiry: Expiry = expiry
        self.same_site: Literal["lax", "strict", "none"] = same_site
        self.secure = secure
        self.domain = domain
        self.path = path

    def setup(self, app: App) -> None:
        """Add the session middleware and the ``Session`` and ``Flash`` providers."""
        from schooner.contrib.sessions._flash import Flash, get_flash

        keys = self._keys(app)
        secure = self.secure
        if secure is None and app.settings.is_production:
            secure = True
        config = _Config(
            backend=self.backend,
            # itsdangerous takes keys oldest first and signs with the last one.
            signer=TimestampSigner(list(reversed(keys)), salt=SALT),
            cookie_name=self.cookie_name,
            max_age=self.max_age,
            expiry=self.expiry,
            same_site=self.same_site,
            secure=secure,
            domain=self.domain,
            path=self.path,
        )
        app.add_middleware(Middleware(SessionMiddleware, config=config, name="SessionMiddleware"))
        app.provide(Session, get_session)
        app.provide(Flash, get_flash)
        closer = getattr(self.backend, "aclose", None)
        if closer is not None:
            app.on_shutdown(closer)

    def reads_session(self, route: RouteInfo) -> bool:
        """Whether ``route`` reads the session: it (or a dependency, at any depth) asks for
        ``Session`` or ``Flash``, as a current-user dependency does."""
        from schooner.contrib.sessions._flash import get_flash

        return route.depends_on(get_session, get_flash)

    async def template_context(self, request: Request) -> Mapping[str, object]:
        """Template helpers: ``get_flashed_messages()`` (pops the pending messages)."""
        from schooner.contrib.sessions._flash import flash_context

        return await flash_context(request)

    def _keys(self, app: App) -> list[str]:
        if self.secret_keys is not None:
            return [k for k in self.secret_keys if k]
        settings = app.settings
        keys = [settings.secret_key.get_secret_value()]
        keys += [k.get_secret_value() for k in settings.secret_key_fallbacks]
        keys = [k for k in keys if k]
        if keys:
            return keys
        if settings.is_production:  # settings.check() refuses this first; be sure anyway
            raise ImproperlyConfigured("Sessions need SCHOONER_SECRET_KEY in production.")
        logger.warning(
            "No secret key is set: sessions are signed with a random key that changes at "
            "every restart (and differs between workers). Set SCHOONER_SECRET_KEY."
        )
        return [secrets.token_urlsafe(48)]
