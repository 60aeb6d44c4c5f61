"""Wire schemas for models: what a model looks like as JSON, declared once.

``schema_for(Author)`` derives a msgspec Struct from the model's columns; Schooner encodes
it like any Struct and documents it in OpenAPI. Columns marked ``info={"private": True}``
(a password hash) are left out unless you name them in ``include``; columns marked
``info={"read_only": True}`` (ids, timestamps, ``version``) appear in output schemas but not
in the bodies clients send. An explicit ``ModelSchema`` subclass is the typed alternative::

    class AuthorOut(ModelSchema):
        id: int
        name: str

    AuthorOut.from_model(author)

``model_from`` builds a model from a validated body, ``apply_update`` applies only the
fields a PATCH body carries, and ``create`` adds and flushes a new row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal, Self, TypeVar, Union, get_args, get_origin

import msgspec
from sqlalchemy import String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty, Mapper, RelationshipProperty

from schooner.contrib.orm._types import integer_bounds
from schooner.exceptions import SchoonerError

__all__ = [
    "ModelSchema",
    "SerializationError",
    "apply_update",
    "create",
    "model_from",
    "schema_for",
]

M = TypeVar("M")
Mode = Literal["output", "create", "update"]
Rename = Literal["lower", "upper", "camel", "pascal", "kebab"] | Mapping[str, str] | None


class SerializationError(SchoonerError):
    """A model cannot be turned into its wire form (unflushed row, unloaded attribute)."""


class ModelSchema(msgspec.Struct, kw_only=True):
    """Base of wire schemas for models; ``from_model`` fills one from an instance.

    Field names are model attribute names (``rename`` only changes the JSON keys). A field
    typed with another ``ModelSchema`` (or a list of one) is filled from the relationship
    of the same name, which must already be loaded (``selectinload``).
    """

    __model__: typing.ClassVar[type[Any] | None] = None

    @classmethod
    def from_model(cls, obj: Any) -> Self:
        """Build the schema from ``obj``'s attributes.

        Raises:
            SerializationError: ``obj`` is a pending row whose generated values are not
                known yet, or an attribute the schema needs is not loaded.
        """
        state = sa_inspect(obj, raiseerr=False)
        unloaded: Collection[str] = ()
        if state is not None:
            if state.pending:
                raise SerializationError(
                    f"{type(obj).__name__} was added but not flushed, so its id and server "
                    "defaults are unknown; `await session.flush()` before returning it (or use "
                    "`await create(session, Model, body)`)."
                )
            unloaded = state.unloaded
        values: dict[str, Any] = {}
        for name, nested, many in _plan(cls):
            if name in unloaded:
                raise SerializationError(_unloaded_message(obj, name, state))
            value = getattr(obj, name)
            if nested is not None and value is not None:
                value = [nested.from_model(v) for v in value] if many else nested.from_model(value)
            values[name] = value
        return cls(**values)


_PLANS: dict[type[ModelSchema], list[tuple[str, type[ModelSchema] | None, bool]]] = {}
_SCHEMAS: dict[tuple[Any, ...], type[ModelSchema]] = {}


def _plan(cls: type[ModelSchema]) -> list[tuple[str, type[ModelSchema] | None, bool]]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = []
        for field in msgspec.structs.fields(cls):
            nested, many = _nested_schema(hints.get(field.name, Any))
            plan.append((field.name, nested, many))
        _PLANS[cls] = plan
    return plan


def _nested_schema(annotation: Any) -> tuple[type[ModelSchema] | None, bool]:
    annotation = _strip_optional(annotation)
    if get_origin(annotation) in (list, tuple, set, frozenset):
        args = get_args(annotation)
        inner = args[0] if args else None
        if isinstance(inner, type) and issubclass(inner, ModelSchema):
            return inner, True
        return None, False
    if isinstance(annotation, type) and issubclass(annotation, ModelSchema):
        return annotation, False
    return None, False


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _unloaded_message(obj: Any, name: str, state: Any) -> str:
    model = type(obj).__name__
    if state is not None and name in state.mapper.relationships:
        return (
            f"{model}.{name} is not loaded, and loading it now would be hidden I/O. Load it "
            f"with the query: `.options(selectinload({model}.{name}))` (or "
            f"`get_or_404(..., options=[selectinload({model}.{name})])`)."
        )
    return (
        f"{model}.{name} is not loaded (it was expired, e.g. by a commit, or deferred). "
        f"Refresh it first: `await session.refresh(obj)`."
    )


def schema_for(
    model: type[Any],
    *,
    include: Collection[str] | None = None,
    exclude: Collection[str] = (),
    rename: Rename = None,
    nested: Mapping[str, type[ModelSchema]] | None = None,
    mode: Mode = "output",
    name: str | None = None,
) -> type[ModelSchema]:
    """Derive the wire schema of ``model`` as a msgspec Struct (cached).

    Args:
        model: a mapped class.
        include: only these columns (private and read-only ones included when named here);
            ``None`` means every column that is not private (nor read-only, for input).
        exclude: columns to leave out.
        rename: JSON names: a mapping ``{"attribute": "jsonName"}`` or a msgspec style
            (``"camel"``, ``"kebab"``, …). Attribute names stay as they are in Python.
        nested: relationship name → schema to embed (a list for one-to-many).
        mode: ``"output"`` (what you send: every field present), ``"create"`` (a body
            to create a row: columns with defaults or ``NULL`` allowed are optional, unknown
            fields refused) or ``"update"`` (a PATCH body: every field optional, only those
            sent are applied by :func:`apply_update`).
        name: the schema's name in OpenAPI; defaults to the model name plus ``Create`` /
            ``Update`` for input modes. Give one when a model has several schemas.

    Raises:
        ValueError: ``include``, ``exclude``, ``rename`` or ``nested`` names an attribute
            the model does not have.
    """
    key = (
        model,
        None if include is None else frozenset(include),
        frozenset(exclude),
        rename if isinstance(rename, str | None) else tuple(sorted(rename.items())),
        tuple(sorted((nested or {}).items(), key=lambda kv: kv[0])),
        mode,
        name,
    )
    cached = _SCHEMAS.get(key)
    if cached is not None:
        return cached
    mapper: Mapper[Any] = sa_inspect(model)
    _check_names(mapper, include, exclude, rename, nested)
    fields = _column_fields(mapper, include, frozenset(exclude), mode)
    for rel_name, schema in (nested or {}).items():
        rel: RelationshipProperty[Any] = mapper.relationships[rel_name]
        annotation: Any = list[schema] if rel.uselist else schema | None  # type: ignore[valid-type]
        fields.append(_field(rel_name, annotation, mode, optional=mode != "output"))
    schema_name = name or _default_name(model, key, mode)
    created: type[ModelSchema] = msgspec.defstruct(  # type: ignore[assignment]  # defstruct returns type[Struct]; the base is ModelSchema
        schema_name,
        fields,
        bases=(ModelSchema,),
        module=model.__module__,
        namespace={"__model__": model},
        rename=dict(rename) if isinstance(rename, Mapping) else rename,
        kw_only=True,
        forbid_unknown_fields=mode != "output",
    )
    _SCHEMAS[key] = created
    return created


def _default_name(model: type[Any], key: tuple[Any, ...], mode: Mode) -> str:
    suffix = {"output": "", "create": "Create", "update": "Update"}[mode]
    base = model.__name__ + suffix
    if key[1:5] == (None, frozenset(), None, ()):
        return base
    # A customised schema without a name gets a stable, distinct one.
    digest = hashlib.sha1(repr(key[1:5]).encode(), usedforsecurity=False).hexdigest()[:6]
    return f"{base}_{digest}"


def _check_names(
    mapper: Mapper[Any],
    include: Collection[str] | None,
    exclude: Collection[str],
    rename: Rename,
    nested: Mapping[str, Any] | None,
) -> None:
    known = set(mapper.column_attrs.keys())
    names = [*(include or ()), *exclude, *(rename if isinstance(rename, Mapping) else ())]
    unknown = sorted(n for n in names if n not in known and n not in (nested or {}))
    unknown += sorted(n for n in (nested or {}) if n not in mapper.relationships)
    if unknown:
        raise ValueError(
            f"{mapper.class_.__name__} has no column or relationship {', '.join(unknown)}."
        )


def _column_fields(
    mapper: Mapper[Any], include: Collection[str] | None, exclude: frozenset[str], mode: Mode
) -> list[tuple[str, Any, Any]]:
    hints = _model_hints(mapper.class_)
    fields: list[tuple[str, Any, Any]] = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        info = {**column.info, **prop.info}
        if prop.key in exclude:
            continue
        if include is not None:
            if prop.key not in include:
                continue
        elif info.get("private") or (mode != "output" and info.get("read_only")):
            continue
        annotation = _annotation(prop, hints)
        optional = mode != "output" and _has_default(prop)
        fields.append(_field(prop.key, annotation, mode, optional=optional))
    return fields


def _model_hints(model: type[Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(model)
    except Exception:
        return {}


def _annotation(prop: ColumnProperty[Any], hints: Mapping[str, Any]) -> Any:
    column = prop.columns[0]
    hinted = hints.get(prop.key)
    if get_origin(hinted) is not None and get_args(hinted) and _is_mapped(hinted):
        annotation = get_args(hinted)[0]
    else:
        try:
            annotation = column.type.python_type
        except NotImplementedError:
            annotation = Any
        if column.nullable:
            annotation = annotation | None
    base = _strip_optional(annotation)
    meta = _meta(column, integer=base is int)
    if meta is None:
        return annotation
    annotated: Any = Annotated[base, meta]
    return annotated | None if base is not annotation else annotated


def _is_mapped(hint: Any) -> bool:
    origin = get_origin(hint)
    return getattr(origin, "__name__", "") in {"Mapped", "WriteOnlyMapped", "DynamicMapped"}


def _meta(column: Any, *, integer: bool) -> msgspec.Meta | None:
    """The constraints a body field takes from its column: a string's length, an integer's
    range (a value beyond it is a 422 naming the field, not a database error)."""
    options: dict[str, Any] = {}
    length = getattr(column.type, "length", None)
    if isinstance(column.type, String) and isinstance(length, int):
        options["max_length"] = length
    bounds = integer_bounds(column.type) if integer else None
    if bounds is not None:
        options["ge"], options["le"] = bounds
    description = column.doc or column.comment
    if description:
        options["description"] = description
    return msgspec.Meta(**options) if options else None


def _has_default(prop: ColumnProperty[Any]) -> bool:
    column = prop.columns[0]
    return bool(
        column.nullable
        or column.default is not None
        or column.server_default is not None
        or (column.primary_key and column.autoincrement in (True, "auto"))
    )


def _field(name: str, annotation: Any, mode: Mode, *, optional: bool) -> tuple[str, Any, Any]:
    if mode == "update":
        return (name, annotation | msgspec.UnsetType, msgspec.UNSET)
    if optional:
        return (name, annotation | msgspec.UnsetType, msgspec.UNSET)
    return (name, annotation, msgspec.NODEFAULT)


def _present_fields(data: Any) -> dict[str, Any]:
    """The fields a body carries: Struct fields not ``UNSET``, dataclass fields, or mapping keys."""
    if isinstance(data, msgspec.Struct):
        return {
            f: getattr(data, f)
            for f in data.__struct_fields__
            if getattr(data, f) is not msgspec.UNSET
        }
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return {
            f.name: getattr(data, f.name)
            for f in dataclasses.fields(data)
            if getattr(data, f.name) is not msgspec.UNSET
        }
    if isinstance(data, Mapping):
        return {str(k): v for k, v in data.items() if v is not msgspec.UNSET}
    raise TypeError(
        f"Cannot read fields from a {type(data).__name__}: pass a Struct, dataclass or mapping."
    )


def _check_attributes(model: type[Any], names: Collection[str]) -> None:
    mapper: Mapper[Any] = sa_inspect(model)
    unknown = sorted(n for n in names if n not in mapper.attrs)
    if unknown:
        raise ValueError(f"{model.__name__} has no attribute {', '.join(unknown)}.")


def model_from(model: type[M], data: Any, /, **extra: Any) -> M:
    """Build a new ``model`` instance from a validated body plus ``extra`` values.

    Fields left ``UNSET`` are skipped, so the column's default applies. ``extra`` sets what
    the client must not choose (``owner_id=user.id``) and wins over the body.

    Raises:
        ValueError: the body has a field the model does not have.
    """
    values = {**_present_fields(data), **extra}
    _check_attributes(model, values)
    return model(**values)


def apply_update(instance: Any, data: Any, /) -> list[str]:
    """Set the fields present in ``data`` on ``instance``; return the names that changed.

    With a body type from ``schema_for(Model, mode="update")`` (every field defaulting to
    ``UNSET``), only what the client sent is applied: a PATCH that omits ``email`` leaves
    it alone, while ``"email": null`` sets it to ``NULL``.

    Raises:
        ValueError: the body has a field the model does not have.
    """
    values = _present_fields(data)
    _check_attributes(type(instance), values)
    state = sa_inspect(instance, raiseerr=False)
    unloaded = state.unloaded if state is not None else set()
    changed: list[str] = []
    for name, value in values.items():
        # Comparing with an unloaded value would load it (hidden I/O); just set it.
        if name in unloaded or getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


async def create(session: AsyncSession, model: type[M], data: Any, /, **extra: Any) -> M:
    """Build a row with :func:`model_from`, add it and flush, so its id and defaults are set.

    Nothing is committed here: the request's transaction commits when the handler returns.
    """
    instance = model_from(model, data, **extra)
    session.add(instance)
    await session.flush()
    # Values the database made that the flush did not bring back (triggers, computed
    # columns) are loaded now, while I/O is allowed, rather than failing on serialisation.
    state = sa_inspect(instance)
    missing = [p.key for p in state.mapper.column_attrs if p.key in state.unloaded]
    if missing:
        await session.refresh(instance, attribute_names=missing)
    return instance
