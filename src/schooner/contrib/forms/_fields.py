"""Form fields: what a typed attribute of a form class means for parsing and for HTML."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import types
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from schooner.datastructures import UploadFile
from schooner.di.markers import CONSTRAINTS

__all__ = ["Field", "FieldSpec", "Widget"]

Widget = Literal[
    "text",
    "textarea",
    "email",
    "password",
    "number",
    "checkbox",
    "select",
    "radio",
    "date",
    "datetime-local",
    "file",
    "hidden",
    "url",
    "tel",
    "search",
]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Field:
    """Describe a form field inside ``Annotated``: ``Annotated[str, Field(label="Title")]``.

    Args:
        label: the ``<label>`` text; defaults to the attribute name, humanised.
        help_text: a hint shown under the field (and linked with ``aria-describedby``).
        widget: how the field is drawn; derived from the type when omitted.
        choices: ``(value, label)`` pairs (or plain values) for a select or radio group.
        min_length, max_length, ge, gt, le, lt, pattern: constraints, checked on the server
            and written as HTML attributes so browsers check them too.
        placeholder, autocomplete: HTML attributes.
        max_size: the largest accepted upload in bytes (file fields).
        content_types: accepted upload media types (``"image/*"`` allowed).
    """

    label: str | None = None
    help_text: str | None = None
    widget: Widget | None = None
    choices: Sequence[Any] | None = None
    min_length: int | None = None
    max_length: int | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    pattern: str | None = None
    placeholder: str | None = None
    autocomplete: str | None = None
    max_size: int | None = None
    content_types: Sequence[str] | None = None


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """A field as the form class declares it, resolved once per class."""

    name: str
    annotation: Any
    """The value type, ``Optional`` and ``list`` unwrapped (``int`` for ``list[int] | None``)."""
    target: Any
    """The type values are converted to (with constraints), for one value."""
    field: Field
    required: bool
    default: Any
    multiple: bool
    optional: bool

    @property
    def label(self) -> str:
        """The label text."""
        return self.field.label or self.name.replace("_", " ").capitalize()

    @property
    def is_file(self) -> bool:
        """Whether the field takes an upload."""
        return isinstance(self.annotation, type) and issubclass(self.annotation, UploadFile)

    @property
    def is_bool(self) -> bool:
        """Whether the field is a checkbox."""
        return self.annotation is bool

    @property
    def choices(self) -> list[tuple[str, str]]:
        """``(value, label)`` pairs: declared ones, else an enum's or a Literal's values."""
        declared = self.field.choices
        if declared is None:
            if isinstance(self.annotation, type) and issubclass(self.annotation, enum.Enum):
                declared = [
                    (m.value, m.name.replace("_", " ").capitalize()) for m in self.annotation
                ]
            elif get_origin(self.annotation) is Literal:
                declared = list(get_args(self.annotation))
            else:
                return []
        pairs: list[tuple[str, str]] = []
        for choice in declared:
            if isinstance(choice, tuple) and len(choice) == 2:
                pairs.append((str(choice[0]), str(choice[1])))
            else:
                pairs.append((str(choice), str(choice)))
        return pairs

    @property
    def widget(self) -> str:
        """The widget: declared, or derived from the type."""
        if self.field.widget is not None:
            return self.field.widget
        if self.is_file:
            return "file"
        if self.is_bool:
            return "checkbox"
        if self.choices:
            return "select"
        if self.annotation in (int, float, decimal.Decimal):
            return "number"
        if self.annotation is datetime.date:
            return "date"
        if self.annotation is datetime.datetime:
            return "datetime-local"
        if "password" in self.name:
            return "password"
        if "email" in self.name:
            return "email"
        return "text"

    def html_attributes(self) -> dict[str, str | bool]:
        """Constraint attributes for the input (``required``, ``minlength``, ``max``…)."""
        f = self.field
        attributes: dict[str, str | bool] = {}
        if self.required and not self.is_bool:
            attributes["required"] = True
        for name, value in (
            ("minlength", f.min_length),
            ("maxlength", f.max_length),
            ("min", f.ge),
            ("max", f.le),
            ("pattern", f.pattern),
            ("placeholder", f.placeholder),
            ("autocomplete", f.autocomplete),
        ):
            if value is not None:
                attributes[name] = _number(value) if isinstance(value, float) else str(value)
        if self.annotation in (float, decimal.Decimal) and self.widget == "number":
            # Without a step, a browser accepts whole numbers only.
            attributes["step"] = "any"
        if self.is_file and f.content_types:
            attributes["accept"] = ",".join(f.content_types)
        if self.multiple:
            attributes["multiple"] = True
        return attributes


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(args) != len(get_args(annotation)):
            return args[0], True
    return annotation, False


def build_spec(name: str, annotation: Any, field: Field, default: Any) -> FieldSpec:
    """Resolve one declared attribute into a :class:`FieldSpec`."""
    base, optional = _unwrap_optional(annotation)
    multiple = get_origin(base) in (list, set, tuple, frozenset)
    item = get_args(base)[0] if multiple and get_args(base) else base
    constraints = {
        key: getattr(field, key) for key in CONSTRAINTS if getattr(field, key) is not None
    }
    target: Any = item
    if constraints and not (isinstance(item, type) and issubclass(item, UploadFile)):
        target = Annotated[item, msgspec.Meta(**constraints)]
    has_default = default is not dataclasses.MISSING
    required = not has_default and not optional and not (item is bool and not multiple)
    if not has_default:
        default = [] if multiple else (None if optional else (False if item is bool else None))
    return FieldSpec(
        name=name,
        annotation=item,
        target=target,
        field=field,
        required=required,
        default=default,
        multiple=multiple,
        optional=optional,
    )
