"""Custom widgets: how one edit field is drawn, given per model as ``ModelAdmin(widgets=...)``.

A widget changes the input's markup only: the field's label, help, errors and value are the
forms battery's bound field's, and what the post is parsed and checked as stays the
column's (a ``range`` input on an integer column still takes any integer the column takes).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schooner.exceptions import ImproperlyConfigured

__all__ = ["INPUTS", "Widget", "check_widgets"]

INPUTS = frozenset(
    {
        "textarea",
        "text",
        "search",
        "email",
        "url",
        "tel",
        "password",
        "number",
        "range",
        "color",
        "date",
        "time",
        "datetime-local",
        "month",
        "week",
    }
)
"""The inputs a widget may draw: a ``<textarea>`` or an ``<input type=...>`` of one value."""

_ATTRIBUTE = re.compile(r"[a-z][a-z0-9-]*")
_OWN = frozenset({"id", "name", "type", "value", "form"})


@dataclass(frozen=True, slots=True)
class Widget:
    """How one edit field is drawn.

    Args:
        input: ``"textarea"`` or an ``<input>`` type (``"color"``, ``"range"``, ``"email"`` …).
        attrs: more HTML attributes (``{"rows": 8}``, ``{"step": 5}``); they override the
            ones the column gives (``maxlength``, ``min``, ``max`` …) in the markup only.
            ``True`` writes a bare attribute, ``False`` leaves it out.

    Raises:
        ImproperlyConfigured: an unknown input, or an attribute the page sets itself
            (``id``, ``name``, ``type``, ``value``) or that is not a plain name (``on…``
            handlers are refused too: the pages run no inline script).
    """

    input: str
    attrs: Mapping[str, str | int | float | bool] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.input not in INPUTS:
            raise ImproperlyConfigured(
                f"Widget: input is one of {', '.join(sorted(INPUTS))}, not {self.input!r}."
            )
        if not isinstance(self.attrs, Mapping):
            raise ImproperlyConfigured("Widget: attrs is a mapping of attribute names to values.")
        for name, value in self.attrs.items():
            if not isinstance(name, str) or not _ATTRIBUTE.fullmatch(name):
                raise ImproperlyConfigured(f"Widget: {name!r} is not an attribute name.")
            if name in _OWN or name.startswith("on"):
                raise ImproperlyConfigured(f"Widget: the page sets {name!r} itself; leave it out.")
            if not isinstance(value, str | int | float):
                raise ImproperlyConfigured(
                    f"Widget: attribute {name!r} takes a string, a number or a bool, not {value!r}."
                )
        object.__setattr__(self, "attrs", dict(self.attrs))

    def attributes(self, base: Mapping[str, Any]) -> dict[str, Any]:
        """The bound field's attributes with this widget's over them (for forms.attributes)."""
        merged = dict(base)
        for name, value in self.attrs.items():
            merged[name] = value if isinstance(value, bool) else str(value)
        return merged


def check_widgets(
    where: str, widgets: Mapping[str, Widget], editable: Mapping[str, Any], autocomplete: Any
) -> dict[str, Widget]:
    """The model's widgets, each on a field the edit page draws as one plain input.

    Args:
        where: the model, for the messages.
        editable: the model's edited fields (``EditField`` s by name).
        autocomplete: the names of its autocomplete fields.

    Raises:
        ImproperlyConfigured: a widget names no such field, or a key, a choice or a checkbox.
    """
    for name, widget in widgets.items():
        edited = editable.get(name)
        if edited is None or edited.kind != "plain" or name in autocomplete:
            raise ImproperlyConfigured(
                f"{where}: widgets names {name!r}, which is not a field edited on the page as "
                "one input (a column that is not a key, a select or a checkbox)."
            )
        kind = edited.annotation
        if (
            edited.field.widget == "select"
            or kind is bool
            or (isinstance(kind, type) and issubclass(kind, enum.Enum))
        ):
            raise ImproperlyConfigured(
                f"{where}: widgets names {name!r}, a choice; {widget.input!r} cannot draw it."
            )
    return dict(widgets)
