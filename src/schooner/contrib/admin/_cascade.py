"""What deleting a row takes with it: the preview the delete page shows before anything goes.

Every foreign key that refers to the row's table is followed. The rows behind it are

* **deleted** when the database cascades (``ON DELETE CASCADE``) or the ORM does (a
  relationship from the row's model with ``cascade="all, delete-orphan"`` or ``"delete"``):
  they are listed, and what refers to them is followed in turn;
* **kept** when the key is set to ``NULL`` (``ON DELETE SET NULL``, or an ORM relationship
  without delete cascade over a nullable key): not listed;
* **in the way** otherwise: the database would refuse the deletion, so the page says which
  rows prevent it and offers no button.

Each level lists at most :data:`LIMIT` rows per kind, with the exact count; the whole walk
stops after :data:`BUDGET` rows, and the page says the list is incomplete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ForeignKeyConstraint, and_, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper

from schooner.contrib.admin._values import object_label

__all__ = ["BUDGET", "LIMIT", "Doomed", "Preview", "preview_deletion"]

LIMIT = 100
BUDGET = 1000

How = Literal["delete", "keep", "protect"]
Names = Callable[[type[Any]], str]


@dataclass(slots=True)
class Doomed:
    """A row the deletion removes, and the rows it takes along.

    Attributes:
        obj: the row.
        model: its model class.
        name: the model's verbose name.
        label: the row's label.
        children: what its deletion removes in turn.
        more: rows removed beyond those listed, by verbose name.
    """

    obj: Any
    model: type[Any]
    name: str
    label: str
    children: list[Doomed] = field(default_factory=list)
    more: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Preview:
    """The whole preview.

    Attributes:
        root: the row asked for, with everything it takes along.
        counts: how many rows of each model go, by model class, the row asked for
            included.
        protected: ``(verbose name, label)`` of rows that prevent the deletion.
        complete: ``False`` when the walk stopped at :data:`BUDGET` rows.
    """

    root: Doomed
    counts: dict[type[Any], int] = field(default_factory=dict)
    protected: list[tuple[str, str]] = field(default_factory=list)
    complete: bool = True


@dataclass(frozen=True, slots=True)
class _Referrer:
    model: type[Any]
    pairs: tuple[tuple[Any, str], ...]  # (the referring column, the referred attribute)
    how: How


async def preview_deletion(db: AsyncSession, obj: Any, names: Names) -> Preview:
    """Walk what deleting ``obj`` removes (see the module documentation).

    Args:
        db: the session ``obj`` belongs to.
        obj: the row to delete.
        names: the verbose name of a model class.
    """
    model = type(obj)
    root = Doomed(obj, model, names(model), object_label(obj, names(model)))
    preview = Preview(root=root, counts={model: 1})
    seen = {_identity(obj)}
    queue = [root]
    walked = 1
    while queue:
        node = queue.pop(0)
        for referrer in _referrers(sa_inspect(node.model)):
            where = and_(*(col == getattr(node.obj, attr) for col, attr in referrer.pairs))
            name = names(referrer.model)
            if referrer.how == "keep":
                continue
            total = int(
                await db.scalar(select(func.count()).select_from(referrer.model).where(where)) or 0
            )
            if not total:
                continue
            rows = list(await db.scalars(select(referrer.model).where(where).limit(LIMIT)))
            if referrer.how == "protect":
                preview.protected += [(name, object_label(row, name)) for row in rows]
                continue
            preview.counts[referrer.model] = preview.counts.get(referrer.model, 0) + total
            if total > len(rows):
                node.more[name] = node.more.get(name, 0) + total - len(rows)
            for row in rows:
                if _identity(row) in seen:
                    continue
                seen.add(_identity(row))
                child = Doomed(row, referrer.model, name, object_label(row, name))
                node.children.append(child)
                walked += 1
                if walked >= BUDGET:
                    preview.complete = False
                    return preview
                queue.append(child)
    return preview


def _identity(obj: Any) -> tuple[Any, ...]:
    state = sa_inspect(obj)
    return (state.mapper.class_, *(state.identity or ()))


def _referrers(mapper: Mapper[Any]) -> list[_Referrer]:
    """Every mapped model with a foreign key to ``mapper``'s table, and what a deletion
    does to its rows."""
    found = []
    table = mapper.local_table
    for other in mapper.registry.mappers:
        if other.inherits is not None:
            continue
        for constraint in getattr(other.local_table, "foreign_key_constraints", ()):
            if constraint.referred_table is not table:
                continue
            pairs = _pairs(constraint, mapper)
            if pairs is not None:
                found.append(_Referrer(other.class_, pairs, _how(constraint, mapper, other)))
    return found


def _pairs(
    constraint: ForeignKeyConstraint, mapper: Mapper[Any]
) -> tuple[tuple[Any, str], ...] | None:
    pairs = []
    for element in constraint.elements:
        try:
            attribute = mapper.get_property_by_column(element.column).key
        except Exception:  # the referred column is not mapped: nothing to compare with
            return None
        pairs.append((element.parent, attribute))
    return tuple(pairs)


def _how(constraint: ForeignKeyConstraint, parent: Mapper[Any], child: Mapper[Any]) -> How:
    columns = set(constraint.columns)
    for relation in parent.relationships:
        if relation.viewonly:  # the ORM writes nothing through it
            continue
        if relation.mapper is child and columns <= set(relation.remote_side):
            if "delete" in relation.cascade:
                return "delete"
            if not relation.passive_deletes:  # the ORM sets the key to NULL
                return "keep" if all(c.nullable for c in columns) else "protect"
    ondelete = (constraint.ondelete or "").upper()
    if ondelete == "CASCADE":
        return "delete"
    if ondelete in ("SET NULL", "SET DEFAULT"):
        return "keep"
    return "protect"
