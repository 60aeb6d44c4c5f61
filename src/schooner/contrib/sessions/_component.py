"""The ``Sessions`` component: signed session cookies, loaded on demand, saved on change."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Unpack

from schooner.contrib.sessions._backends import CookieBackend, SessionBackend
from schooner.contrib.sessions._config import SessionsConfig, SessionsOptions
from schooner.contrib.sessions._cookie import SessionCookie
from schooner.contrib.sessions._flash import Flash, flash_context, get_flash
from schooner.contrib.sessions._middleware import SessionMiddleware
from schooner.contrib.sessions._session import Session
from schooner.contrib.sessions._state import get_session
from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request
from schooner.middleware import Middleware

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.routing import RouteInfo

__all__ = ["Sessions"]

logger = logging.getLogger("schooner.sessions")


class Sessions:
    """Sessions as a component: ``App(components=[Sessions()])``.

    Handlers ask for the session by type (``session: Session``); it is read from the cookie
    only when someone asks, and saved (with a fresh ``Set-Cookie``) when it changed. Takes
    the options of :class:`SessionsConfig`, as ``config=`` or as keywords (which win)::

        Sessions(RedisBackend(url), max_age=3600)
        Sessions(config=settings.sessions)

    Args:
        backend: where data lives: :class:`CookieBackend` (default), ``RedisBackend`` or
            ``DatabaseBackend``.
        config: every option at once, e.g. a block of the project's settings.
        **options: fields of :class:`SessionsConfig` (``cookie_name``, ``max_age`` …).

    Raises:
        ImproperlyConfigured: an option is unknown or invalid.
    """

    name = "sessions"

    def __init__(
        self,
        backend: SessionBackend | None = None,
        *,
        config: SessionsConfig | None = None,
        **options: Unpack[SessionsOptions],
    ) -> None:
        values: dict[str, object] = dict(options)
        if backend is not None:
            values["backend"] = backend
        self.config = SessionsConfig.build(config, values, owner="Sessions")
        configured = self.config.backend
        self.backend: SessionBackend = configured if configured is not None else CookieBackend()
        self._cookie: SessionCookie | None = None

    def setup(self, app: App) -> None:
        """Add the session middleware and the ``Session`` and ``Flash`` providers."""
        secure = self.config.secure
        if secure is None and app.settings.is_production:
            secure = True
        self._cookie = SessionCookie(self.config, self._keys(app), secure=secure)
        app.add_middleware(
            Middleware(
                SessionMiddleware,
                cookie=self._cookie,
                backend=self.backend,
                name="SessionMiddleware",
            )
        )
        app.provide(Session, get_session)
        app.provide(Flash, get_flash)
        closer = getattr(self.backend, "aclose", None)
        if closer is not None:
            app.on_shutdown(closer)

    @property
    def cookie(self) -> SessionCookie:
        """The app's session cookie: signs and verifies values (available after setup).

        Raises:
            ImproperlyConfigured: the component is not part of an app yet.
        """
        if self._cookie is None:
            raise ImproperlyConfigured(
                "These sessions are not part of an app yet: pass them to App(components=[...])."
            )
        return self._cookie

    def reads_session(self, route: RouteInfo) -> bool:
        """Whether ``route`` reads the session: it (or a dependency, at any depth) asks for
        ``Session`` or ``Flash``, as a current-user dependency does."""
        return route.depends_on(get_session, get_flash)

    async def template_context(self, request: Request) -> Mapping[str, object]:
        """Template helpers: ``get_flashed_messages()`` (pops the pending messages)."""
        return await flash_context(request)

    def _keys(self, app: App) -> list[str]:
        if self.config.secret_keys is not None:
            return [k.get_secret_value() for k in self.config.secret_keys if k]
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
