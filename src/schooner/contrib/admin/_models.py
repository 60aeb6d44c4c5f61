"""The admin's table: ``admin_log``, one row per change made through the admin.

Created by the battery's migration (branch ``admin``, after the accounts battery's, whose
``auth_user`` it refers to).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from schooner.contrib.orm import IntPK, Model, UTCDateTime, utcnow

__all__ = ["LogEntry"]


class LogEntry(IntPK, Model):
    """Who changed what through the admin, and when: the audit trail of its pages.

    ``changes`` lists the fields that changed, as ``{"field": name, "old": value, "new":
    value}`` objects (JSON values: instants and dates in ISO 8601, decimals as text); an
    addition has every field with ``old`` empty, a deletion every field with ``new`` empty.
    ``user_email`` keeps who it was after the account is gone.
    """

    __tablename__ = "admin_log"
    __table_args__ = (
        Index("ix_admin_log_object", "label", "model", "object_id", "at"),
        Index("ix_admin_log_at", "at"),
    )

    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=utcnow())
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_user.id", ondelete="SET NULL"), default=None
    )
    user_email: Mapped[str] = mapped_column(String(254))
    label: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str] = mapped_column(String(64))
    object_repr: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<LogEntry {self.action} {self.label}.{self.model} {self.object_id}>"
