"""The sign-in audit trail: one ``AuthEvent`` row per account event.

An event that goes with a change (a new password, a verified address) is written in the
same transaction as the change: both are stored or neither. A failed sign-in is written in
a transaction of its own, because its request is answered with an error (which rolls the
handler's transaction back) and must still be recorded. That transaction runs beside the
request, not inside it: the request's own transaction may hold a write lock (SQLite has one
writer; its transaction takes the lock at its first write) that it releases only when it
ends, so a write waited for inside the request would wait for itself. The events of their
own are written one at a time, in the order they were recorded. (In test isolation, where
every transaction is a savepoint on one shared connection, nothing can run beside the
request: the event is stored inside it, which cannot wait for itself there.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from schooner.contrib.auth._models import AbstractUser, AuthEvent
from schooner.contrib.orm import AsyncSession, Database
from schooner.http import Request

__all__ = ["EVENT_KINDS", "AuditLog"]

logger = logging.getLogger("schooner.auth")

EVENT_KINDS = frozenset(
    {
        "login",
        "login_failed",
        "lockout",
        "logout",
        "signed_out_everywhere",
        "registered",
        "registration_existing",
        "email_verified",
        "password_changed",
        "password_reset_requested",
        "password_reset",
        "email_change_requested",
        "email_changed",
        "account_deleted",
        "mfa_enabled",
        "mfa_disabled",
        "mfa_failed",
        "passkey_added",
        "passkey_removed",
        "token_created",
        "token_revoked",
        "refresh_reused",
    }
)
"""Every ``AuthEvent.kind`` the battery records."""


class AuditLog:
    """Writes account events through ``database``.

    Args:
        database: the database the account tables live in.
        address: ``(request) -> str``, the client's address (proxy-aware).
        run_later: runs work beside the request (``Auth.run_later``: tracked, its failures
            logged, awaited at shutdown and by ``drain_mail``).
    """

    def __init__(
        self,
        database: Database,
        address: Any,
        run_later: Callable[[Callable[[], Awaitable[None]]], None],
    ) -> None:
        self.database = database
        self._address = address
        self._run_later = run_later
        self._order: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    async def record(
        self,
        kind: str,
        *,
        request: Request | None = None,
        user: AbstractUser | None = None,
        identifier: str | None = None,
        session: AsyncSession | None = None,
        **details: Any,
    ) -> None:
        """Store one event; ``details`` are JSON values kept with it.

        With ``session``, the event joins that session's transaction; without, it is
        committed in a transaction of its own, beside the request (see the module
        docstring; ``Auth.drain_mail()`` waits for it).
        """
        if kind not in EVENT_KINDS:
            raise ValueError(f"Unknown account event kind {kind!r}.")
        event = AuthEvent(
            kind=kind,
            user_id=user.id if user is not None else None,
            identifier=identifier[:254] if identifier else None,
            details=details or None,
        )
        if request is not None:
            event.address = self._address(request)[:64]
            agent = request.headers.get("user-agent")
            event.user_agent = agent[:255] if agent else None
        if session is not None:
            session.add(event)
        else:

            async def store() -> None:
                async with self._in_order(), self.database.transaction() as own:
                    own.add(event)

            if self.database.shares_one_connection:
                await store()
            else:
                self._run_later(store)
        logger.info("account event %s user=%s", kind, event.user_id)

    def _in_order(self) -> asyncio.Lock:
        """The lock (first come, first served) that stores events of their own in order;
        one per event loop, as a lock belongs to the loop it is used on."""
        loop = asyncio.get_running_loop()
        if self._order is None or self._order[0] is not loop:
            self._order = (loop, asyncio.Lock())
        return self._order[1]
