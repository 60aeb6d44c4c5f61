"""Alembic's schema differences as lines a person reads: ``+ column items.priority (INTEGER)``.

``+`` is something the models have and the migrations do not, ``-`` the reverse, ``~`` a
change to something both have.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Constraint, ForeignKeyConstraint, Index, Table

__all__ = ["describe"]


def describe(diffs: Iterable[Any]) -> list[str]:
    """One line per difference of ``UpgradeOps.as_diffs()``."""
    lines: list[str] = []
    for diff in diffs:
        if isinstance(diff, list):
            lines.extend(_modification(item) for item in diff)
        else:
            lines.append(_change(diff))
    return lines


def _change(diff: tuple[Any, ...]) -> str:
    kind = diff[0]
    sign = "+" if kind.startswith("add") else "-" if kind.startswith("remove") else "~"
    subject = diff[-1]
    if isinstance(subject, Table):
        return f"{sign} table {subject.name}"
    if isinstance(subject, Column):
        return f"{sign} column {diff[2]}.{subject.name} ({subject.type})"
    if isinstance(subject, Index):
        columns = ", ".join(str(getattr(e, "name", e)) for e in subject.expressions)
        return f"{sign} index {subject.name} on {_table_name(subject.table)} ({columns})"
    if isinstance(subject, ForeignKeyConstraint):
        target = subject.elements[0].target_fullname.split(".")[0] if subject.elements else "?"
        columns = ", ".join(subject.column_keys)
        table = _table_name(subject.table)
        return f"{sign} foreign key {subject.name} on {table} ({columns}) -> {target}"
    if isinstance(subject, Constraint):
        what = type(subject).__name__.removesuffix("Constraint").lower() or "constraint"
        columns = ", ".join(c.name for c in getattr(subject, "columns", ()))
        table = _table_name(subject.table)
        return f"{sign} {what} constraint {subject.name} on {table} ({columns})"
    return f"{sign} {kind.replace('_', ' ')}: {diff[1:]!r}"


def _modification(diff: tuple[Any, ...]) -> str:
    kind, _schema, table, column = diff[:4]
    old, new = diff[-2], diff[-1]
    what = kind.removeprefix("modify_").replace("_", " ")
    return f"~ {what} of {table}.{column}: {old} -> {new}"


def _table_name(table: Any) -> str:
    return str(getattr(table, "name", table))
