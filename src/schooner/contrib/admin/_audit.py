"""The audit trail: every addition, change and deletion made through the admin, with its diff.

An entry is written in the same transaction as the change it records, so there is never a
change without its entry, nor an entry for a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from schooner.contrib.admin._models import LogEntry
from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._values import to_json
from schooner.contrib.auth import AbstractUser

__all__ = ["Change", "changes_between", "history_of", "recent_entries", "record", "snapshot"]

Change = Literal["add", "change", "delete"]

_REPR_LENGTH = 200  # the object_repr column


def snapshot(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    """The JSON values of ``obj``'s attributes ``names``."""
    return {name: to_json(getattr(obj, name)) for name in names}


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields whose JSON value differs, as ``{"field", "old", "new"}`` (order of
    ``after``, then fields only ``before`` has)."""
    changed = []
    for name in [*after, *(n for n in before if n not in after)]:
        old, new = before.get(name), after.get(name)
        if old != new:
            changed.append({"field": name, "old": old, "new": new})
    return changed


async def record(
    db: AsyncSession,
    *,
    user: AbstractUser,
    model: AdminModel,
    object_id: Any,
    object_repr: str,
    action: Change,
    changes: Sequence[Mapping[str, Any]],
) -> LogEntry:
    """Add an entry to ``db``'s transaction (written with the change, or not at all)."""
    entry = LogEntry(
        user_id=user.id,
        user_email=user.email,
        label=model.label,
        model=model.name,
        object_id=str(object_id)[:64],
        object_repr=object_repr[:_REPR_LENGTH],
        action=action,
        changes=[dict(change) for change in changes],
    )
    db.add(entry)
    return entry


async def history_of(db: AsyncSession, model: AdminModel, object_id: Any) -> list[LogEntry]:
    """One object's entries, oldest first."""
    query = (
        select(LogEntry)
        .where(
            LogEntry.label == model.label,
            LogEntry.model == model.name,
            LogEntry.object_id == str(object_id)[:64],
        )
        .order_by(LogEntry.at, LogEntry.id)
    )
    return list(await db.scalars(query))


async def recent_entries(
    db: AsyncSession, models: Iterable[AdminModel], *, limit: int
) -> list[LogEntry]:
    """The latest entries about ``models`` (those a user may view), newest first."""
    kinds = [and_(LogEntry.label == m.label, LogEntry.model == m.name) for m in models]
    if not kinds or limit <= 0:
        return []
    query = (
        select(LogEntry)
        .where(or_(false(), *kinds))
        .order_by(LogEntry.at.desc(), LogEntry.id.desc())
        .limit(limit)
    )
    return list(await db.scalars(query))
