"""Python types to JSON Schema 2020-12 (the dialect of OpenAPI 3.1), shared as components.

msgspec writes the schemas of Structs, dataclasses, TypedDicts, enums, ``Annotated``
constraints and the standard types; pydantic models (when installed) write their own. Named
types become ``#/components/schemas/<Name>`` references so each is described once.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import msgspec

from schooner.datastructures import UploadFile

__all__ = ["SchemaRegistry"]

REF_TEMPLATE = "#/components/schemas/{name}"

UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "binary",
    "contentMediaType": "application/octet-stream",
}


def _hook(annotation: type) -> dict[str, Any]:
    if isinstance(annotation, type) and issubclass(annotation, UploadFile):
        return dict(UPLOAD_SCHEMA)
    raise NotImplementedError


def wire_type(annotation: Any) -> Any:
    """The type whose schema describes ``annotation`` on the wire.

    A class may say it is sent as another type with a ``__wire_schema__()`` classmethod (the
    database battery's models return their wire Struct this way).
    """
    wire = getattr(annotation, "__wire_schema__", None)
    if isinstance(annotation, type) and callable(wire):
        return wire()
    return annotation


def _is_pydantic(annotation: Any) -> bool:
    return isinstance(annotation, type) and callable(getattr(annotation, "model_json_schema", None))


class SchemaRegistry:
    """Collects the types an API uses and hands out their schemas.

    Call :meth:`add` for every type first (it returns a key), then :meth:`finish` once, then
    :meth:`schema` with each key. Types that cannot be described (a class msgspec does not
    know) get the empty schema ``{}``, which accepts anything, instead of failing.
    """

    def __init__(self) -> None:
        self._types: list[Any] = []
        self._index: dict[Any, int] = {}
        self._schemas: list[dict[str, Any]] = []
        self.components: dict[str, Any] = {}

    def add(self, annotation: Any) -> int:
        """Register ``annotation`` and return the key for :meth:`schema`."""
        annotation = wire_type(annotation)
        try:
            key = self._index.get(annotation)
        except TypeError:  # unhashable annotation (rare): give it its own slot
            key = None
        if key is None:
            key = len(self._types)
            self._types.append(annotation)
            with contextlib.suppress(TypeError):
                self._index[annotation] = key
        return key

    def finish(self) -> None:
        """Generate every registered schema (once) and the shared components."""
        describable: list[Any] = []
        pydantic_models: list[Any] = []
        for annotation in self._types:
            if _is_pydantic(annotation):
                pydantic_models.append(annotation)
                continue
            try:
                msgspec.json.schema(annotation, schema_hook=_hook)
            except (TypeError, ValueError):
                continue
            describable.append(annotation)
        schemas, components = msgspec.json.schema_components(
            describable, schema_hook=_hook, ref_template=REF_TEMPLATE
        )
        by_type: dict[int, dict[str, Any]] = {
            id(annotation): schema for annotation, schema in zip(describable, schemas, strict=True)
        }
        self.components.update(components)
        for model in pydantic_models:
            by_type[id(model)] = self._pydantic(model)
        self._schemas = [by_type.get(id(annotation), {}) for annotation in self._types]

    def _pydantic(self, model: Any) -> dict[str, Any]:
        schema: dict[str, Any] = model.model_json_schema(
            ref_template=REF_TEMPLATE.replace("{name}", "{model}")
        )
        self.components.update(schema.pop("$defs", {}))
        name = model.__name__
        self.components[name] = schema
        return {"$ref": REF_TEMPLATE.format(name=name)}

    def schema(self, key: int) -> dict[str, Any]:
        """A copy of the schema registered under ``key`` (safe to annotate further)."""
        return copy.deepcopy(self._schemas[key])

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow a top-level ``$ref`` into the components (for form fields)."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            target = self.components.get(ref.rsplit("/", 1)[1])
            if isinstance(target, dict):
                return target
        return schema
