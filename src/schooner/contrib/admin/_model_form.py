"""Edit forms derived from a model's columns, through the forms battery.

Each editable column becomes a typed field of a :class:`~schooner.contrib.forms.Form`
subclass, so parsing, validation messages and accessible rendering are the forms battery's:

========================  ============================================================
column                    form field
========================  ============================================================
``String(n)``             text input, at most *n* characters
``Text``                  textarea
``Integer`` and kin       number input within the column's range
``Float``, ``Numeric``    number input with any step (``Decimal`` kept exact)
``Boolean``               checkbox; a nullable one is a Yes / No / — select
``Date``, ``DateTime``    date / datetime-local input; instants are read and shown in UTC
``Enum``                  select of the enum's members
``Uuid``                  text input, checked as a UUID
a foreign key             select of the related rows
a many-to-many relation   multiple select of the related rows (``relationship(secondary=...)``)
========================  ============================================================

A nullable column may be left empty (``NULL``). Other column types (JSON, binary, …) are not
edited; they can be shown with ``readonly_fields``.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from sqlalchemy import Enum, String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty, Mapper, RelationshipProperty

from schooner.contrib.admin._values import humanize, object_label, verbose_name_of
from schooner.contrib.forms import Field, Form
from schooner.contrib.orm import integer_bounds, python_type_of

__all__ = [
    "EditField",
    "build_form",
    "editable_field",
    "initial_values",
    "many_field",
    "related_choices",
    "values_from",
]

Kind = Literal["plain", "maybe_bool", "datetime", "foreign_key", "many"]

EDITABLE_TYPES: tuple[type[Any], ...] = (str, int, float, Decimal, bool, date, datetime, uuid.UUID)
"""Python types of the columns the forms edit (enums too)."""

_YES_NO = (("true", "Yes"), ("false", "No"))
REQUIRED = "This field is required."


@dataclasses.dataclass(frozen=True, slots=True)
class EditField:
    """One editable column, as its form field.

    Attributes:
        name: the column's attribute name (a foreign key's, ``question_id``).
        label: the field's label.
        annotation: the value's type in the form.
        field: the forms battery's field description (widget, constraints, choices).
        nullable: the column takes ``NULL``: an empty input stores it.
        fills_itself: the column has a default that is not a plain value (a function, a
            server default): a new row may leave the input empty.
        default: a plain default value, the add form's initial value.
        kind: how the form's value becomes the column's.
        target: the model a foreign key refers to.
    """

    name: str
    label: str
    annotation: Any
    field: Field
    nullable: bool
    fills_itself: bool
    default: Any
    kind: Kind
    target: type[Any] | None = None


def editable_field(mapper: Mapper[Any], prop: ColumnProperty[Any]) -> EditField | None:
    """The form field of one column, or ``None`` when its type is not edited in a form."""
    column = prop.columns[0]
    python = python_type_of(column.type)
    if python is None or not (python in EDITABLE_TYPES or issubclass(python, enum.Enum)):
        return None
    label = humanize(prop.key)
    kind: Kind = "plain"
    options: dict[str, Any] = {}
    target = _foreign_target(mapper, column)
    if target is not None:
        kind = "foreign_key"
        label = _relation_label(mapper, column) or label
        options["widget"] = "select"
    elif python is bool and column.nullable:
        kind, python = "maybe_bool", str
        options.update(widget="select", choices=_YES_NO)
    elif python is datetime:
        kind = "datetime"
        options["help_text"] = "Date and time in UTC."
    elif python is str:
        options.update(_text_options(column))
    elif python is int:
        options.update(_bounds(column))
    default = column.default
    plain = default is not None and default.is_scalar
    return EditField(
        name=prop.key,
        label=str(prop.info.get("label") or column.info.get("label") or label),
        annotation=python,
        field=Field(label=None, **options),
        nullable=bool(column.nullable),
        fills_itself=(default is not None and not plain) or column.server_default is not None,
        default=default.arg if plain and default is not None else None,
        kind=kind,
        target=target,
    )


def many_field(relation: RelationshipProperty[Any]) -> EditField | None:
    """The form field of a many-to-many relationship: the keys of the related rows."""
    keys = relation.mapper.primary_key
    python = python_type_of(keys[0].type) if len(keys) == 1 else None
    if python is None:
        return None
    return EditField(
        name=relation.key,
        label=str(relation.info.get("label") or humanize(relation.key)),
        annotation=list[python],  # type: ignore[valid-type]  # a type known at run time
        field=Field(label=None, widget="select"),
        nullable=True,
        fills_itself=False,
        default=None,
        kind="many",
        target=relation.mapper.class_,
    )


def _text_options(column: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if isinstance(column.type, Enum) and column.type.enums:
        options.update(widget="select", choices=list(column.type.enums))
        return options
    length = getattr(column.type, "length", None)
    if isinstance(length, int):
        options["max_length"] = length
    if isinstance(column.type, Text) or (isinstance(column.type, String) and length is None):
        options["widget"] = "textarea"
    return options


def _bounds(column: Any) -> dict[str, Any]:
    bounds = integer_bounds(column.type)
    return {"ge": bounds[0], "le": bounds[1]} if bounds is not None else {}


def _foreign_target(mapper: Mapper[Any], column: Any) -> type[Any] | None:
    """The model a one-column foreign key on ``column`` refers to (``None``: not a key)."""
    keys = list(column.foreign_keys)
    if len(keys) != 1:
        return None
    table = keys[0].column.table
    for other in mapper.registry.mappers:
        if other.local_table is table and other.inherits is None:
            return other.class_
    return None


def _relation_label(mapper: Mapper[Any], column: Any) -> str | None:
    for relation in mapper.relationships:
        if not relation.uselist and column in relation.local_columns:
            return humanize(relation.key)
    return None


def build_form(
    fields: Sequence[EditField], *, choices: Mapping[str, list[tuple[str, str]]], adding: bool
) -> type[Form]:
    """A form class with one field per ``EditField`` (a class per page: the choices of
    foreign keys are the rows of the moment)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    for item in fields:
        field = item.field
        if item.name in choices:
            field = dataclasses.replace(field, choices=choices[item.name])
        label = dataclasses.replace(field, label=item.label)
        optional = item.nullable or (adding and item.fills_itself)
        if item.kind == "many":
            annotations[item.name] = Annotated[item.annotation, label]
            namespace[item.name] = []
        elif item.annotation is bool:
            annotations[item.name] = Annotated[bool, label]
            namespace[item.name] = False
        elif optional:
            annotations[item.name] = Annotated[item.annotation | None, label]
        else:
            annotations[item.name] = Annotated[item.annotation, label]
    made: type[Form] = type("ModelForm", (Form,), namespace)
    return made


async def related_choices(
    db: AsyncSession,
    fields: Sequence[EditField],
    labels: Mapping[type[Any], str],
    *,
    skip: Collection[str] = (),
) -> dict[str, list[tuple[str, str]]]:
    """``(primary key, label)`` of every row each foreign key may refer to.

    Args:
        labels: the verbose name of each model the admin knows, for rows without ``__str__``.
        skip: foreign keys not shown as selects (autocomplete inputs): their rows are not
            read.
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for item in fields:
        if item.target is None or item.name in skip:
            continue
        mapper: Mapper[Any] = item.target.__mapper__
        key = mapper.primary_key[0]
        name = labels.get(item.target) or verbose_name_of(item.target)
        rows = await db.scalars(select(item.target).order_by(key))
        found[item.name] = [(str(_pk_of(row)), object_label(row, name)) for row in rows]
    return found


def _pk_of(row: Any) -> Any:
    identity = row.__mapper__.primary_key_from_instance(row)
    return identity[0]


def initial_values(obj: Any, fields: Sequence[EditField]) -> dict[str, Any]:
    """What the inputs show: ``obj``'s values, or the columns' defaults for a new row."""
    initial: dict[str, Any] = {}
    for item in fields:
        value = getattr(obj, item.name) if obj is not None else item.default
        if item.kind == "many":
            value = [str(_pk_of(row)) for row in value or ()]
        elif callable(value):
            value = None
        if item.kind == "maybe_bool" and value is not None:
            value = "true" if value else "false"
        elif isinstance(value, datetime):
            value = value.astimezone(UTC) if value.tzinfo else value
            value = value.strftime("%Y-%m-%dT%H:%M:%S")
        elif isinstance(value, Decimal | uuid.UUID | date):
            value = str(value)
        initial[item.name] = value
    return initial


def values_from(form: Form, fields: Sequence[EditField], *, adding: bool) -> dict[str, Any]:
    """The column values of a valid form; adds an error for a required value left empty.

    A new row leaves out an empty column that fills itself, so its default applies.
    """
    values: dict[str, Any] = {}
    for item in fields:
        if item.name not in form.cleaned:
            continue
        value = form.cleaned[item.name]
        if item.kind == "maybe_bool":
            value = None if value in (None, "") else value == "true"
        elif item.kind == "datetime" and isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value is None and not item.nullable:
            if adding and item.fills_itself:
                continue
            form.add_error(item.name, REQUIRED)
            continue
        values[item.name] = value
    return values
