"""Optimistic locking on the change page, for models with a version column (``Versioned``).

The change form carries the version of the row it shows (a hidden ``_version`` input). A
post whose version is not the row's current one was made on values someone else has
changed since: nothing is written, and the page comes back (``409``) with the user's input,
a message saying so, and the row's current values. The form then carries the current
version, so saving again is a deliberate choice to overwrite.

The check is made twice: against the row as read at the start of the request, and by the
database itself, since the ORM's ``UPDATE … WHERE version = <read>`` matches no row when
someone saved in between (``StaleDataError``), which ends the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._values import EMPTY, display
from schooner.datastructures import FormData

__all__ = ["STALE", "VERSION_FIELD", "current_values", "is_stale", "version_key", "version_of"]

VERSION_FIELD = "_version"
"""The name of the hidden input holding the version the form was made from."""

STALE = (
    "This {name} was changed by someone else since you opened it, so your changes were not "
    "saved. Its current values are listed below the form; your input is kept in it. Save "
    "again to replace the current values with yours, or leave to keep them."
)


def version_key(model: AdminModel) -> str | None:
    """The attribute of the model's version column (``None``: not versioned)."""
    column = model.mapper.version_id_col
    if column is None:
        return None
    return model.mapper.get_property_by_column(column).key


def version_of(model: AdminModel, obj: Any) -> int | None:
    """The row's version, for the form (``None`` for a new row or an unversioned model)."""
    key = version_key(model)
    if key is None or obj is None:
        return None
    value: int = getattr(obj, key)
    return value


def is_stale(model: AdminModel, obj: Any, data: Mapping[str, Any] | FormData) -> bool:
    """Whether the post was made from another version than the row's current one (a post
    without a version, or with one that is no number, counts as stale: nothing is
    overwritten on a guess)."""
    current = version_of(model, obj)
    if current is None:
        return False
    posted = data.get(VERSION_FIELD)
    try:
        return int(str(posted)) != current
    except ValueError:
        return True


def current_values(
    model: AdminModel, obj: Any, choices: Mapping[str, list[tuple[str, str]]]
) -> list[tuple[str, str]]:
    """``(label, value)`` of each editable field of the row as stored now."""
    shown = []
    for item in model.fields:
        value = getattr(obj, item.name)
        if item.kind == "many":
            shown.append((item.label, ", ".join(str(row) for row in value) or EMPTY))
            continue
        text = display(value)
        if item.target is not None and value is not None:
            text = dict(choices.get(item.name, [])).get(str(value), text)
        shown.append((item.label, text))
    return shown
