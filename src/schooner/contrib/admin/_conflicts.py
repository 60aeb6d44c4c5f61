"""Turning what the database refused into errors on the form, instead of a 500.

A save runs in a savepoint. When the database refuses it (a unique value already taken, a
row referred to that was deleted meanwhile), the savepoint is rolled back and the unique
rules of the table are checked against the submitted values: a value that is taken becomes
an error on its field ("A question with this Question text already exists."), several
columns together an error on the form. Anything else is one error on the form that says the
change conflicts with stored data. The database decided; this only explains it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Index, UniqueConstraint, and_, exists, select
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncSession

from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.forms import Form

__all__ = ["CONFLICT", "INVALID", "explain_refusal"]

CONFLICT = (
    "This change conflicts with data stored meanwhile (a record it refers to may have been "
    "deleted): check the values and save again."
)
INVALID = "A value cannot be stored (too large, too long, or with characters not allowed)."


async def explain_refusal(
    db: AsyncSession,
    model: AdminModel,
    form: Form,
    values: Mapping[str, Any],
    *,
    error: Exception,
    pk: Any = None,
) -> int:
    """Add the errors that explain ``error`` to ``form``; the status to answer with.

    Args:
        db: the session, its savepoint rolled back.
        model: the model saved.
        form: the submitted form, re-rendered with the errors.
        values: the column values that were saved.
        error: what the database raised (an ``IntegrityError`` or a ``DataError``).
        pk: the row's primary key when it was changed (``None``: added).

    Returns:
        ``409`` for a conflict with stored data, ``422`` for a value that cannot be stored.
    """
    if isinstance(error, DataError):
        form.add_error(None, INVALID)
        return 422
    found = False
    for names in _unique_sets(model):
        if not all(name in values for name in names) or any(values[n] is None for n in names):
            continue
        if not await _taken(db, model, {name: values[name] for name in names}, pk):
            continue
        found = True
        titles = " and ".join(_title(model, name) for name in names)
        message = f"A {model.verbose_name} with this {titles} already exists."
        form.add_error(names[0] if len(names) == 1 and names[0] in form.fields() else None, message)
    if not found:
        form.add_error(None, CONFLICT)
    return 409


def _unique_sets(model: AdminModel) -> list[tuple[str, ...]]:
    """The attribute names of each unique rule of the model's table."""
    table = model.mapper.local_table
    rules: list[Any] = [
        c for c in getattr(table, "constraints", ()) if isinstance(c, UniqueConstraint)
    ]
    rules += [i for i in getattr(table, "indexes", ()) if isinstance(i, Index) and i.unique]
    sets = []
    for rule in rules:
        try:
            names = tuple(model.mapper.get_property_by_column(c).key for c in rule.columns)
        except Exception:  # an expression index, or a column the model does not map
            continue
        if names and names not in sets:
            sets.append(names)
    return sets


async def _taken(db: AsyncSession, model: AdminModel, values: Mapping[str, Any], pk: Any) -> bool:
    conditions = [getattr(model.model, name) == value for name, value in values.items()]
    if pk is not None:
        conditions.append(getattr(model.model, model.pk) != pk)
    return bool(await db.scalar(select(exists().where(and_(*conditions)))))


def _title(model: AdminModel, name: str) -> str:
    field = model.editable.get(name)
    return field.label if field is not None else model.path(name).title
