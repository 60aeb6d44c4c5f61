"""Flash messages: one-time notices stored in the session until they are shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import msgspec

from schooner.contrib.sessions._session import Session
from schooner.contrib.sessions._state import get_session, lazy_session
from schooner.http import Request

__all__ = ["Flash", "FlashMessage", "Level"]

Level = Literal["debug", "info", "success", "warning", "error"]
LEVELS: tuple[str, ...] = ("debug", "info", "success", "warning", "error")
SESSION_KEY = "_flashes"


class FlashMessage(msgspec.Struct, frozen=True):
    """A message and its level (``info``, ``success``, ``warning``, ``error``, ``debug``)."""

    message: str
    level: str = "info"


class Flash:
    """Add messages now, show them on the next page; ask for it as ``flash: Flash``.

    ::

        @app.post("/profile")
        async def save(form: ..., flash: Flash) -> RedirectResponse:
            flash.success("Profile saved.")
            return RedirectResponse("/profile", 303)

    Templates get ``get_flashed_messages()``, which returns the pending messages and removes
    them, so each is shown once.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: str, level: Level = "info") -> None:
        """Queue ``message`` with ``level``."""
        if level not in LEVELS:
            raise ValueError(f"Flash level must be one of {', '.join(LEVELS)}, not {level!r}.")
        pending = list(self.session.get(SESSION_KEY, ()))
        pending.append({"message": str(message), "level": level})
        self.session[SESSION_KEY] = pending

    def debug(self, message: str) -> None:
        """Queue a ``debug`` message."""
        self.add(message, "debug")

    def info(self, message: str) -> None:
        """Queue an ``info`` message."""
        self.add(message, "info")

    def success(self, message: str) -> None:
        """Queue a ``success`` message."""
        self.add(message, "success")

    def warning(self, message: str) -> None:
        """Queue a ``warning`` message."""
        self.add(message, "warning")

    def error(self, message: str) -> None:
        """Queue an ``error`` message."""
        self.add(message, "error")

    def peek(self) -> list[FlashMessage]:
        """The pending messages, left in place."""
        return [
            FlashMessage(str(item.get("message", "")), str(item.get("level", "info")))
            for item in self.session.get(SESSION_KEY, ())
            if isinstance(item, dict)
        ]

    def pop_all(self) -> list[FlashMessage]:
        """The pending messages, removed from the session (each is shown once)."""
        messages = self.peek()
        if SESSION_KEY in self.session:
            del self.session[SESSION_KEY]
        return messages


async def get_flash(request: Request) -> Flash:
    """The provider behind parameters annotated ``Flash``."""
    return Flash(await get_session(request))


async def flash_context(request: Request) -> Mapping[str, Any]:
    """Template context: ``get_flashed_messages()`` (pops the pending messages).

    The session is read ahead, but a page that never calls the helper leaves it unused:
    no ``Vary: Cookie``, nothing saved.
    """
    use = await lazy_session(request)
    popped: list[FlashMessage] | None = None

    def get_flashed_messages() -> list[FlashMessage]:
        nonlocal popped
        if popped is None:  # several calls in one page share one result
            popped = Flash(use()).pop_all()
        return popped

    getter: Callable[[], list[FlashMessage]] = get_flashed_messages
    return {"get_flashed_messages": getter}
