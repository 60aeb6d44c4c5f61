"""Sessions and flash messages: signed cookies by default, Redis or the database when you need it.

::

    from schooner.contrib.sessions import Flash, Session, Sessions

    app = App(components=[Sessions()])          # signed with settings.secret_key

    @app.post("/cart")
    async def add(item: Item, session: Session, flash: Flash) -> RedirectResponse:
        session["cart"] = [*session.get("cart", []), item.id]
        flash.success("Added to your cart.")
        return RedirectResponse("/cart", 303)

The session arrives as a typed parameter, never a global. Cookies are ``HttpOnly``,
``SameSite=Lax`` and ``Secure`` on HTTPS (always in production); a tampered cookie or one
signed with a key no longer accepted is ignored. Call ``session.regenerate()`` at login and
``session.invalidate()`` at logout. Options are the fields of :class:`SessionsConfig`
(keywords, ``config=``, or a settings block); ``RedisBackend`` keeps the data server-side,
``schooner.contrib.sessions.database.DatabaseBackend`` in a table. Errors are in
:mod:`~schooner.contrib.sessions.exceptions`; :mod:`~schooner.contrib.sessions.testing`
reads and writes a test client's session.

Needs the ``sessions`` extra (``redis`` too for ``RedisBackend``).
"""

from __future__ import annotations

try:
    import itsdangerous as _itsdangerous  # noqa: F401 - only checks that the extra is installed
except ImportError:  # pragma: no cover - exercised without the extra
    from schooner.exceptions import MissingDependency

    raise MissingDependency("itsdangerous", "sessions") from None

from schooner.contrib.sessions._backends import CookieBackend, SessionBackend
from schooner.contrib.sessions._component import Sessions
from schooner.contrib.sessions._config import Expiry, SameSite, SessionsConfig
from schooner.contrib.sessions._flash import Flash, FlashMessage, Level
from schooner.contrib.sessions._middleware import SessionMiddleware
from schooner.contrib.sessions._redis import RedisBackend
from schooner.contrib.sessions._session import Session
from schooner.contrib.sessions._state import get_session, lazy_session
from schooner.contrib.sessions.exceptions import SessionTooLarge

__all__ = [
    "CookieBackend",
    "Expiry",
    "Flash",
    "FlashMessage",
    "Level",
    "RedisBackend",
    "SameSite",
    "Session",
    "SessionBackend",
    "SessionMiddleware",
    "SessionTooLarge",
    "Sessions",
    "SessionsConfig",
    "get_session",
    "lazy_session",
]
