"""Sessions and flash messages: signed cookies by default, Redis when you need it.

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
``session.invalidate()`` at logout. ``RedisBackend`` keeps the data server-side.

Needs the ``sessions`` extra (``redis`` too for ``RedisBackend``).
"""

from __future__ import annotations

try:
    import itsdangerous as _itsdangerous  # noqa: F401 - only checks that the extra is installed
except ImportError:  # pragma: no cover - exercised without the extra
    from schooner.exceptions import MissingDependency

    raise MissingDependency("itsdangerous", "sessions") from None

from schooner.contrib.sessions._backends import CookieBackend, SessionBackend
from schooner.contrib.sessions._component import (
    SessionMiddleware,
    Sessions,
    SessionTooLarge,
    get_session,
    lazy_session,
)
from schooner.contrib.sessions._flash import Flash, FlashMessage, Level
from schooner.contrib.sessions._redis import RedisBackend
from schooner.contrib.sessions._session import Session

__all__ = [
    "CookieBackend",
    "Flash",
    "FlashMessage",
    "Level",
    "RedisBackend",
    "Session",
    "SessionBackend",
    "SessionMiddleware",
    "SessionTooLarge",
    "Sessions",
    "get_session",
    "lazy_session",
]
