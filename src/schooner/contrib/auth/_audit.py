"""The sign-in audit trail: one ``AuthEvent`` row per account event.

An event that goes with a change (a new password, a verified address) is written in the
same transaction as the change: both are stored or neither. A failed sign-in is written in
a transaction of its own, because its request is answered with an error (which rolls the
handler's transaction back) and must still be recorded.
"""

from __future__ import annotations

import logging
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
    """

    def __init__(self, database: Database, address: Any) -> None:
        self.database = database
        self._address = address

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
        committed at once in a transaction of its own.
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
            async with self.database.transaction() as own:
                own.add(event)
        logger.info("account event %s user=%s", kind, event.user_id)
