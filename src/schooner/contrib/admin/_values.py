"""Values as the pages show them and as the audit log stores them, and objects' labels.

A page shows ``None`` as a dash, booleans as Yes/No, instants in UTC and enums by name; the
log stores the same values as JSON (ISO 8601 text for dates and instants, decimals as
text so no digit is lost, enums by value).
"""

from __future__ import annotations

import enum
import re
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.types import TypeEngine

from schooner.contrib.orm import integer_bounds

__all__ = [
    "EMPTY",
    "display",
    "humanize",
    "object_label",
    "storable",
    "to_json",
    "verbose_name_of",
]

EMPTY = "—"
"""What an empty value (``None``, an empty string) looks like in a page."""

_WORDS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def verbose_name_of(model: type[Any]) -> str:
    """A model's name in words: ``BlogPost`` → ``"blog post"``."""
    return _WORDS.sub(" ", model.__name__).lower()


def humanize(name: str) -> str:
    """A field's name as a label: ``pub_date`` → ``"Pub date"``."""
    return name.replace("__", " ").replace("_", " ").strip().capitalize() or name


def display(value: Any) -> str:
    """``value`` as text for a page (the template escapes it)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.name.replace("_", " ").capitalize()
    return str(value)


def to_json(value: Any) -> Any:
    """``value`` as a JSON value for the audit log."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    return str(value)


def object_label(obj: Any, verbose_name: str) -> str:
    """How a row is named in the pages: ``str(obj)`` when its class defines ``__str__``,
    else the model's name and primary key (``"question 3"``)."""
    for klass in type(obj).__mro__:
        if "__str__" in vars(klass):
            if klass.__module__.startswith(("sqlalchemy.", "schooner.")) or klass is object:
                break
            return str(obj)
    identity = _identity_of(obj)
    return f"{verbose_name} {identity}" if identity else verbose_name


def _identity_of(obj: Any) -> str:
    state = inspect(obj, raiseerr=False)
    if state is None or state.identity is None:
        return ""
    return ", ".join(str(part) for part in state.identity)


def storable(column_type: TypeEngine[Any], value: Any) -> bool:
    """Whether an integer column can hold ``value`` (a key from an address or a form that
    no row can have, and that the database would refuse to compare with, is not)."""
    bounds = integer_bounds(column_type)
    if bounds is None or not isinstance(value, int) or isinstance(value, bool):
        return True
    return bounds[0] <= value <= bounds[1]
