"""The ``Form`` base class: declare fields once; parse, validate and render them."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Self, get_args, get_origin

import msgspec

from schooner.contrib.forms._cleaning import TRUE, clean
from schooner.contrib.forms._fields import Field, FieldSpec, build_spec
from schooner.datastructures import FormData
from schooner.di.markers import CONSTRAINTS
from schooner.exceptions import FieldError, HTTPException, ValidationError
from schooner.http import Request

__all__ = ["BoundField", "Form"]

NON_FIELD = "__all__"


class BoundField:
    """One field of one form instance, as a template draws it."""

    def __init__(self, form: Form, spec: FieldSpec) -> None:
        self.form = form
        self.spec = spec

    @property
    def name(self) -> str:
        """The field's name."""
        return self.spec.name

    @property
    def label(self) -> str:
        """The label text."""
        return self.spec.label

    @property
    def help_text(self) -> str | None:
        """The hint under the field, if any."""
        return self.spec.field.help_text

    @property
    def widget(self) -> str:
        """How the field is drawn (``text``, ``textarea``, ``select``, ``checkbox``…)."""
        return self.spec.widget

    @property
    def required(self) -> bool:
        """Whether the field must be filled."""
        return self.spec.required

    @property
    def choices(self) -> list[tuple[str, str]]:
        """``(value, label)`` pairs for selects and radio groups."""
        return self.spec.choices

    @property
    def id(self) -> str:
        """The input's ``id`` (``id_<name>``, with the form's prefix if any)."""
        return f"id_{self.form.prefix}{self.spec.name}"

    @property
    def html_name(self) -> str:
        """The input's ``name`` attribute."""
        return f"{self.form.prefix}{self.spec.name}"

    @property
    def errors(self) -> list[str]:
        """This field's error messages (empty when valid or unbound)."""
        return self.form.errors.get(self.spec.name, [])

    @property
    def value(self) -> Any:
        """What to show in the input: the submitted text, else the initial value."""
        if self.spec.is_file:
            return None
        if self.form.is_bound:
            return self.form.raw.get(self.spec.name, "" if not self.spec.multiple else [])
        return self.form.initial.get(self.spec.name, self.spec.default)

    @property
    def checked(self) -> bool:
        """For checkboxes: whether it is ticked."""
        value = self.value
        return value is True or (isinstance(value, str) and value.lower() in TRUE)

    def is_selected(self, choice: str) -> bool:
        """Whether ``choice`` is the (or one of the) current value(s)."""
        value = self.value
        if isinstance(value, list | tuple | set):
            return choice in {str(v) for v in value}
        if hasattr(value, "value") and not isinstance(value, str):
            value = value.value  # an enum member as initial value
        return value is not None and str(value) == choice

    def attributes(self) -> dict[str, str | bool]:
        """HTML constraint and accessibility attributes for the input."""
        attributes = self.spec.html_attributes()
        described = []
        if self.help_text:
            described.append(f"{self.id}_help")
        if self.errors:
            described.append(f"{self.id}_errors")
            attributes["aria-invalid"] = "true"
        if described:
            attributes["aria-describedby"] = " ".join(described)
        return attributes

    def __repr__(self) -> str:
        return f"<BoundField {self.spec.name}>"


class Form:
    """A form declared as a typed class; one declaration parses, validates and renders it.

    ::

        class CommentForm(Form):
            name: Annotated[str, Field(max_length=80)]
            email: Annotated[str, Field(label="E-mail", pattern=r".+@.+")]
            body: Annotated[str, Field(widget="textarea", min_length=10)]
            notify: bool = False

    A handler parameter annotated with the class receives it bound to the request's form
    (or JSON) body, already validated: check ``form.is_valid`` and re-render it with its
    errors, or read the typed values as attributes (``form.body``). An empty form for a
    GET page is ``CommentForm()``; ``CommentForm(initial={...})`` pre-fills it.

    Class options (keywords in the class statement): none; set ``prefix`` on an instance
    to use two forms in one page.
    """

    _specs: ClassVar[dict[str, FieldSpec]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = typing.get_type_hints(cls, include_extras=True)
        specs: dict[str, FieldSpec] = {}
        for name, annotation in hints.items():
            if name.startswith("_") or get_origin(annotation) is ClassVar:
                continue
            field = Field()
            if get_origin(annotation) is Annotated:
                base, *extras = get_args(annotation)
                field = next((e for e in extras if isinstance(e, Field)), field)
                annotation = base
            default = cls.__dict__.get(name, dataclasses.MISSING)
            specs[name] = build_spec(name, annotation, field, default)
        cls._specs = specs

    def __init__(
        self,
        data: Mapping[str, Any] | FormData | None = None,
        *,
        initial: Mapping[str, Any] | None = None,
        prefix: str = "",
    ) -> None:
        self.prefix = prefix
        self.initial: dict[str, Any] = dict(initial or {})
        self.is_bound = data is not None
        self.raw: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}
        self.cleaned: dict[str, Any] = {}
        if data is not None:
            self._bind(data)

    # -- fields ---------------------------------------------------------------------------------

    @classmethod
    def fields(cls) -> dict[str, FieldSpec]:
        """The declared fields, in declaration order."""
        return dict(cls._specs)

    def __iter__(self) -> Iterator[BoundField]:
        return (BoundField(self, spec) for spec in self._specs.values())

    def __getitem__(self, name: str) -> BoundField:
        return BoundField(self, self._specs[name])

    @property
    def is_valid(self) -> bool:
        """Bound and without errors."""
        return self.is_bound and not self.errors

    @property
    def non_field_errors(self) -> list[str]:
        """Errors that belong to the whole form (added with ``add_error(None, ...)``)."""
        return self.errors.get(NON_FIELD, [])

    def add_error(self, field: str | None, message: str) -> None:
        """Record an error found by your own checks (``None`` for the whole form)."""
        self.errors.setdefault(field or NON_FIELD, []).append(message)
        if field is not None:
            self.cleaned.pop(field, None)

    def to_dict(self) -> dict[str, Any]:
        """The validated values by field name."""
        return dict(self.cleaned)

    def raise_for_errors(self) -> None:
        """Raise the 422 problem response (every field with its errors) if invalid.

        For API handlers that accept the same form as JSON.
        """
        if self.errors:
            errors: list[FieldError] = [
                {"loc": ["body", name], "msg": message, "type": "invalid"}
                for name, messages in self.errors.items()
                for message in messages
            ]
            raise ValidationError(errors)

    # -- binding --------------------------------------------------------------------------------

    def _bind(self, data: Mapping[str, Any] | FormData) -> None:
        for name, spec in self._specs.items():
            key = self.prefix + name
            if spec.multiple:
                values = data.getlist(key) if isinstance(data, FormData) else data.get(key, [])
                raw: Any = values if isinstance(values, list) else [values]
            else:
                raw = data.get(key)
            if not spec.is_file:
                self.raw[name] = raw
            value, error = clean(spec, raw)
            if error is not None:
                self.errors.setdefault(name, []).append(error)
            else:
                self.cleaned[name] = value
                setattr(self, name, value)

    @classmethod
    def from_struct(
        cls,
        struct: type[msgspec.Struct],
        *,
        name: str | None = None,
        fields: Mapping[str, Field] | None = None,
    ) -> type[Form]:
        """Make a form class from a msgspec Struct — a model's wire schema in one line::

            PostForm = Form.from_struct(schema_for(Post, mode="create"))

        Constraints declared with ``msgspec.Meta`` (a column's length…) carry over;
        ``fields`` adds labels, widgets and help texts by field name.
        """
        extra = dict(fields or {})
        annotations: dict[str, Any] = {}
        namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": cls.__module__}
        for info in msgspec.structs.fields(struct):
            base, field = _from_meta(info.type, extra.pop(info.name, None))
            annotations[info.name] = Annotated[base, field]
            if not info.required:
                default = info.default if info.default is not msgspec.NODEFAULT else None
                if info.default_factory is not msgspec.NODEFAULT:
                    default = info.default_factory()
                namespace[info.name] = default
        if extra:
            raise TypeError(f"{struct.__name__} has no field {', '.join(sorted(extra))}.")
        made: type[Form] = type(name or f"{struct.__name__}Form", (cls,), namespace)
        return made

    @classmethod
    async def from_request(cls, request: Request) -> Self:
        """Bind a form to the request's body: urlencoded, multipart, or JSON.

        Raises:
            HTTPException: 415 when the body is neither a form nor JSON; 400 when it is
                malformed.
        """
        content_type = request.content_type.lower()
        if content_type.startswith("application/json") or content_type.endswith("+json"):
            data = await request.json()
            if not isinstance(data, dict):
                raise HTTPException(400, "The JSON body must be an object of field values.")
            return cls(data)
        if request.method in ("GET", "HEAD"):
            return cls(request.query_params) if request.query_params else cls()
        return cls(await request.form())

    @classmethod
    async def __schooner_provider__(cls, request: Request) -> Self:
        """Parameters annotated with a form class get it bound to the request."""
        return await cls.from_request(request)

    def __repr__(self) -> str:
        state = "unbound" if not self.is_bound else ("valid" if self.is_valid else "invalid")
        return f"<{type(self).__name__} {state}>"


def _from_meta(annotation: Any, field: Field | None) -> tuple[Any, Field]:
    """Split ``Annotated[T, Meta(...)]`` into ``T`` and a ``Field`` with those constraints."""
    field = field or Field()
    if get_origin(annotation) is not Annotated:
        return annotation, field
    base, *extras = get_args(annotation)
    changes: dict[str, Any] = {}
    for extra in extras:
        if isinstance(extra, msgspec.Meta):
            for key in CONSTRAINTS:
                value = getattr(extra, key, None)
                if value is not None and getattr(field, key) is None:
                    changes[key] = value
    return base, dataclasses.replace(field, **changes)
