"""Build the OpenAPI 3.1 document from an app's routes and their parameter plans.

Everything comes from what the app already knows at startup: the path template and its
converters, the handler's parameters (with their markers and constraints, dependencies'
parameters included), the body type, the return annotation, and the decorator options.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import msgspec

from schooner.di._extractors import (
    FORM_MEDIA_TYPES,
    JSON_MEDIA_TYPES,
    MISSING_DEFAULT,
    BodyExtractor,
    ValueExtractor,
)
from schooner.di._injector import Dependant, DependencyStep, walk_steps
from schooner.http import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from schooner.http._validation import strip_optional
from schooner.openapi._config import SECURITY_ATTRIBUTE, DocumentsOperations, OpenAPI
from schooner.openapi._schema import SchemaRegistry
from schooner.routing import converters as conv

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.routing import RouteInfo

__all__ = ["build_document"]

OPENAPI_VERSION = "3.1.0"
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")
_SKIPPED_METHODS = {"HEAD", "OPTIONS", "WEBSOCKET"}
_PROBLEM = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetails",
    "description": "An RFC 9457 problem details document.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "A URI identifying the problem type."},
        "title": {"type": "string", "description": "A short summary of the problem type."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What happened, for this occurrence."},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status"],
}
VALIDATION_SCHEMA: dict[str, Any] = {
    "title": "ValidationProblem",
    "description": "A 422 problem document listing every field that failed validation.",
    "allOf": [
        {"$ref": "#/components/schemas/ProblemDetails"},
        {
            "type": "object",
            "properties": {
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "loc": {
                                "type": "array",
                                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                                "description": "Where: the location then the field path.",
                            },
                            "msg": {"type": "string"},
                            "type": {"type": "string"},
                        },
                        "required": ["loc", "msg", "type"],
                    },
                }
            },
            "required": ["errors"],
        },
    ],
}

_CONVERTER_SCHEMAS: list[tuple[type, dict[str, Any]]] = [
    (conv.IntConverter, {"type": "integer", "minimum": 0}),
    (conv.FloatConverter, {"type": "number", "minimum": 0}),
    (conv.UUIDConverter, {"type": "string", "format": "uuid"}),
    (conv.SlugConverter, {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}),
    (conv.PathConverter, {"type": "string"}),
]

_RESPONSE_MEDIA: list[tuple[type, str | None]] = [
    (RedirectResponse, None),
    (FileResponse, "application/octet-stream"),
    (HTMLResponse, "text/html"),
    (PlainTextResponse, "text/plain"),
    (JSONResponse, "application/json"),
    (StreamingResponse, "application/octet-stream"),
]


def _converter_schema(converter: Any) -> dict[str, Any]:
    custom = getattr(converter, "openapi_schema", None)
    if isinstance(custom, Mapping):
        return dict(custom)
    for cls, schema in _CONVERTER_SCHEMAS:
        if isinstance(converter, cls):
            return dict(schema)
    return {"type": "string"}


def _docstring(endpoint: Any) -> tuple[str | None, str | None]:
    doc = inspect.getdoc(endpoint)
    if not doc:
        return None, None
    first, _, rest = doc.partition("\n\n")
    return " ".join(first.split()), rest.strip() or None


def _return_type(endpoint: Any) -> Any:
    try:
        hints = typing.get_type_hints(endpoint, include_extras=True)
    except Exception:
        return inspect.Parameter.empty
    return hints.get("return", inspect.Parameter.empty)


def _status_text(status: int | str) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return "Response"


@dataclass
class _Operation:
    """What one route contributes, gathered before the schemas are generated."""

    info: RouteInfo
    method: str
    path_params: dict[str, Any]
    values: list[tuple[ValueExtractor, int]] = field(default_factory=list)
    body: tuple[BodyExtractor, int] | None = None
    result: int | None = None
    result_annotation: Any = None
    extra: dict[str, tuple[Any, int | None]] = field(default_factory=dict)
    security: list[tuple[str, dict[str, Any], list[str]]] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


class _Builder:
    def __init__(self, app: App, config: OpenAPI) -> None:
        self.app = app
        self.config = config
        self.registry = SchemaRegistry()
        self.operation_ids: set[str] = set()
        self.used_tags: list[str] = []
        self.schemes: dict[str, dict[str, Any]] = {
            name: dict(scheme) for name, scheme in config.security_schemes.items()
        }
        self.documenters = [c for c in app.components if isinstance(c, DocumentsOperations)]

    # -- gathering ------------------------------------------------------------------------

    def gather(self) -> list[_Operation]:
        operations: list[_Operation] = []
        for info in sorted(self.app.route_table, key=lambda r: (r.path, r.methods)):
            if info.endpoint is None or info.dependant is None:
                continue  # mounts are other apps; they describe themselves
            if not info.options.get("include_in_schema", True):
                continue
            for method in info.methods:
                if method not in _SKIPPED_METHODS:
                    operations.append(self._gather_one(info, method, info.dependant))
        return operations

    def _gather_one(self, info: RouteInfo, method: str, dependant: Dependant) -> _Operation:
        path_params = {
            name: self.app.converters.get(kind or "str") for name, kind in _PARAM.findall(info.path)
        }
        operation = _Operation(info, method, path_params)
        seen: set[tuple[str, str]] = set()
        for step in walk_steps(dependant):
            if isinstance(step, ValueExtractor):
                key = (step.location, step.wire_name)
                marker = step.marker
                if key in seen or (marker is not None and not marker.include_in_schema):
                    continue
                seen.add(key)
                target = step.target
                if step.default is not MISSING_DEFAULT and step.default is None:
                    target = strip_optional(target)
                operation.values.append((step, self.registry.add(target)))
            elif isinstance(step, BodyExtractor) and operation.body is None:
                operation.body = (step, self.registry.add(step.target))
            elif isinstance(step, DependencyStep):
                declared = getattr(step.dependant.call, SECURITY_ATTRIBUTE, ())
                operation.security.extend(d for d in declared if d not in operation.security)
        returned = _return_type(info.endpoint)
        operation.result_annotation = returned
        if self._is_json_result(returned):
            operation.result = self.registry.add(returned)
        for status, spec in (info.options.get("responses") or {}).items():
            model = spec.get("model") if isinstance(spec, Mapping) else spec
            if isinstance(spec, str):
                model = None
            model_key = self.registry.add(model) if model is not None else None
            operation.extra[str(status)] = (spec, model_key)
        for documenter in self.documenters:
            docs = documenter.document_operation(info, method)
            if docs is None:
                continue
            for name, scheme, scopes in docs.security:
                requirement = (name, dict(scheme), list(scopes))
                if requirement not in operation.security:
                    operation.security.append(requirement)
            for code, description in docs.responses.items():
                operation.problems.setdefault(str(code), description)
        return operation

    @staticmethod
    def _is_json_result(annotation: Any) -> bool:
        if annotation is inspect.Parameter.empty or annotation is None:
            return False
        if annotation is type(None) or annotation in (str, bytes):
            return False
        base = strip_optional(annotation)
        return not (isinstance(base, type) and issubclass(base, Response))

    # -- writing --------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        operations = self.gather()
        self.registry.finish()
        paths: dict[str, dict[str, Any]] = {}
        for operation in operations:
            path = _PARAM.sub(r"{\1}", operation.info.path)
            paths.setdefault(path, {})[operation.method.lower()] = self.operation(operation)
        components: dict[str, Any] = {
            "schemas": {
                **dict(sorted(self.registry.components.items())),
                "ProblemDetails": PROBLEM_SCHEMA,
                "ValidationProblem": VALIDATION_SCHEMA,
            }
        }
        if self.schemes:
            components["securitySchemes"] = self.schemes
        document: dict[str, Any] = {
            "openapi": OPENAPI_VERSION,
            "info": self.info(),
        }
        if self.config.servers:
            document["servers"] = [dict(server) for server in self.config.servers]
        document["paths"] = paths
        document["components"] = components
        if self.config.security:
            document["security"] = [
                {name: list(scopes) for name, scopes in requirement.items()}
                for requirement in self.config.security
            ]
        tags = self.tags()
        if tags:
            document["tags"] = tags
        if self.config.external_docs:
            document["externalDocs"] = dict(self.config.external_docs)
        return document

    def info(self) -> dict[str, Any]:
        config = self.config
        info: dict[str, Any] = {"title": config.title, "version": config.version}
        for key, value in (
            ("summary", config.summary),
            ("description", config.description),
            ("termsOfService", config.terms_of_service),
            ("contact", config.contact),
            ("license", config.license),
        ):
            if value is not None:
                info[key] = dict(value) if isinstance(value, Mapping) else value
        return info

    def tags(self) -> list[dict[str, Any]]:
        declared = [dict(tag) for tag in self.config.tags]
        names = {tag.get("name") for tag in declared}
        declared.extend({"name": name} for name in self.used_tags if name not in names)
        return declared

    def operation(self, op: _Operation) -> dict[str, Any]:
        info, options = op.info, op.info.options
        doc_summary, doc_description = _docstring(info.endpoint)
        result: dict[str, Any] = {}
        tags = list(dict.fromkeys((*info.tags, *options.get("tags", ()))))
        for tag in tags:
            if tag not in self.used_tags:
                self.used_tags.append(tag)
        if tags:
            result["tags"] = tags
        summary = options.get("summary", doc_summary)
        if summary:
            result["summary"] = summary
        description = options.get("description", doc_description)
        if description:
            result["description"] = description
        result["operationId"] = self.operation_id(op)
        parameters = self.parameters(op)
        if parameters:
            result["parameters"] = parameters
        if op.body is not None:
            result["requestBody"] = self.request_body(*op.body)
        result["responses"] = self.responses(op)
        if options.get("deprecated"):
            result["deprecated"] = True
        if op.security:
            for name, scheme, _ in op.security:
                self.schemes.setdefault(name, scheme)
            result["security"] = [{name: scopes} for name, _, scopes in op.security]
        return result

    def operation_id(self, op: _Operation) -> str:
        explicit = op.info.options.get("operation_id")
        base = explicit or op.info.name
        if not explicit and len([m for m in op.info.methods if m not in _SKIPPED_METHODS]) > 1:
            base = f"{base}_{op.method.lower()}"
        candidate, counter = base, 2
        while candidate in self.operation_ids:
            candidate, counter = f"{base}_{counter}", counter + 1
        self.operation_ids.add(candidate)
        return candidate

    def parameters(self, op: _Operation) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = []
        by_path_name = {
            step.wire_name: (step, key) for step, key in op.values if step.location == "path"
        }
        for name, converter in op.path_params.items():
            schema = _converter_schema(converter)
            parameter: dict[str, Any] = {"name": name, "in": "path", "required": True}
            found = by_path_name.get(name)
            if found is not None:
                declared = self.registry.schema(found[1])
                if declared and declared.get("type") == schema.get("type"):
                    schema = {**schema, **declared}
                self._describe(parameter, found[0])
            parameter["schema"] = schema
            parameters.append(parameter)
        for step, key in op.values:
            if step.location == "path":
                continue
            parameter = {
                "name": step.wire_name,
                "in": step.location,
                "required": step.default is MISSING_DEFAULT,
            }
            schema = self.registry.schema(key)
            if _documentable_default(step):
                schema["default"] = step.default
            self._describe(parameter, step)
            parameter["schema"] = schema
            parameters.append(parameter)
        return parameters

    @staticmethod
    def _describe(parameter: dict[str, Any], step: ValueExtractor) -> None:
        marker = step.marker
        if marker is None:
            return
        if marker.description:
            parameter["description"] = marker.description
        if marker.deprecated:
            parameter["deprecated"] = True
        if marker.examples:
            parameter["examples"] = {
                f"example{index}": {"value": value}
                for index, value in enumerate(marker.examples, 1)
            }

    def request_body(self, step: BodyExtractor, key: int) -> dict[str, Any]:
        schema = self.registry.schema(key)
        body: dict[str, Any] = {"required": step.default is MISSING_DEFAULT}
        if step.marker.description:
            body["description"] = step.marker.description
        if step.media_type == "json":
            body["content"] = {"application/json": {"schema": schema}}
            return body
        fields = self.registry.resolve(schema).get("properties", {})
        has_files = any(_is_binary(prop) for prop in fields.values())
        content: dict[str, Any] = {"multipart/form-data": {"schema": schema}}
        if not has_files:
            content["application/x-www-form-urlencoded"] = {"schema": schema}
        body["content"] = content
        return body

    def responses(self, op: _Operation) -> dict[str, Any]:
        options = op.info.options
        responses: dict[str, Any] = {}
        annotation = op.result_annotation
        nothing = annotation is None or annotation is type(None)
        status = str(options.get("status_code", 204 if nothing else 200))
        success: dict[str, Any] = {"description": _status_text(status)}
        media = self._result_media(annotation)
        if op.result is not None:
            success["content"] = {"application/json": {"schema": self.registry.schema(op.result)}}
        elif media is not None and status not in ("204", "304"):
            schema: dict[str, Any] = {"type": "string"}
            if media == "application/octet-stream":
                schema["format"] = "binary"
            success["content"] = {media: {"schema": schema}}
        responses[status] = success
        responses.update(self._error_responses(op))
        for code, description in op.problems.items():
            responses[code] = _problem(code) | {"description": description}
        for code, (spec, key) in op.extra.items():
            responses[code] = self._declared(code, spec, key)
        return dict(sorted(responses.items()))

    def _error_responses(self, op: _Operation) -> dict[str, Any]:
        """The errors Schooner itself can answer for this operation, and only those.

        - 400: a body (malformed JSON or form), a query parameter (malformed query string)
          or a path parameter (malformed percent-encoding in the path).
        - 404: a path parameter: a value the converter rejects matches no route, and a
          missing id is the normal outcome of a lookup.
        - 413 and 415: a body (over the size limit; a ``Content-Type`` the route does not
          read).
        - 422: a parameter that can fail validation (see :func:`_can_fail`).
        """
        queried = any(step.location == "query" for step, _ in op.values)
        codes: list[str] = []
        if op.body is not None or queried or op.path_params:
            codes.append("400")
        if op.path_params:
            codes.append("404")
        if op.body is not None:
            codes += ["413", "415"]
        responses: dict[str, Any] = {code: _problem(code) for code in codes}
        if op.path_params:
            responses["404"]["description"] = "Not Found: no resource matches the path parameters."
        if op.body is not None:
            header = _ACCEPT_HEADERS.get(op.method)
            step = op.body[0]
            accepted = JSON_MEDIA_TYPES if step.media_type == "json" else FORM_MEDIA_TYPES
            responses["415"]["description"] = (
                f"Unsupported Media Type: the body must be {accepted}."
            )
            if header:
                responses["415"]["headers"] = {
                    header: {
                        "description": "The media types this operation reads.",
                        "schema": {"type": "string"},
                    }
                }
        if op.body is not None or any(
            _can_fail(step, op.path_params.get(step.wire_name)) for step, _ in op.values
        ):
            responses["422"] = {
                "description": "Validation error: every failing field with its location.",
                "content": {
                    _PROBLEM: {"schema": {"$ref": "#/components/schemas/ValidationProblem"}}
                },
            }
        return responses

    @staticmethod
    def _result_media(annotation: Any) -> str | None:
        if annotation is str:
            return "text/plain"
        if annotation is bytes:
            return "application/octet-stream"
        base = strip_optional(annotation)
        if isinstance(base, type) and issubclass(base, Response):
            if base.__name__ == "EventSourceResponse":
                return "text/event-stream"
            for cls, media in _RESPONSE_MEDIA:
                if issubclass(base, cls):
                    return media
            return getattr(base, "media_type", None)
        return None

    def _declared(self, code: str, spec: Any, key: int | None) -> dict[str, Any]:
        response: dict[str, Any] = {"description": _status_text(code)}
        if isinstance(spec, str):
            response["description"] = spec
        elif isinstance(spec, Mapping):
            response.update({k: v for k, v in spec.items() if k != "model"})
        if key is not None:
            # Schooner's own errors are problem documents; a declared error model is too.
            media = _PROBLEM if code[:1] in ("4", "5") else "application/json"
            response.setdefault("content", {media: {"schema": self.registry.schema(key)}})
        elif code[:1] in ("4", "5") and "content" not in response:
            response["content"] = _problem(code)["content"]
        return response


def _problem(code: str) -> dict[str, Any]:
    return {
        "description": _status_text(code),
        "content": {_PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    }


_ACCEPT_HEADERS = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}
_TEXT_COLLECTIONS = (list, set, frozenset)


def _can_fail(step: ValueExtractor, converter: Any) -> bool:
    """Whether a path, query, header or cookie parameter can fail validation (a 422).

    It cannot when every value the request can carry is accepted as is: an optional text
    parameter (``q: str | None = None``, ``tags: list[str] = []``), a path parameter whose
    converter already produces the declared type (``{ship_id:int}`` for ``ship_id: int``),
    anything typed ``Any``. A required query, header or cookie parameter can be missing;
    constraints, and any conversion from text, can be refused.
    """
    if step.location != "path" and step.default is MISSING_DEFAULT:
        return True
    if step.marker is not None and step.marker.constraints():
        return True
    base = strip_optional(step.target)
    if base is Any or base is object:
        return False
    if step.multi:
        origin, args = typing.get_origin(base) or base, typing.get_args(base)
        if origin in _TEXT_COLLECTIONS:
            return args not in ((), (str,), (Any,))
        if origin is tuple:
            return args not in ((), (str, ...), (Any, ...))
        return True
    if step.location == "path":
        return _produces(converter) is not base
    return base is not str


def _produces(converter: Any) -> Any:
    """The type a path converter's ``to_python`` returns, when it says (else ``None``)."""
    to_python = getattr(converter, "to_python", None)
    if to_python is None:
        return None
    try:
        return typing.get_type_hints(to_python).get("return")
    except Exception:
        return None


def _is_binary(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if schema.get("format") == "binary":
        return True
    items = schema.get("items")
    if _is_binary(items):
        return True
    return any(_is_binary(option) for option in schema.get("anyOf", ()))


def _documentable_default(step: ValueExtractor) -> bool:
    """Whether the default can be shown: JSON-able and valid for its own schema."""
    default = step.default
    if default is MISSING_DEFAULT or default is None or not _jsonable(default):
        return False
    try:
        msgspec.convert(default, step.target, strict=False)
    except (msgspec.ValidationError, TypeError):
        return False  # e.g. q: Annotated[str, Query(min_length=2)] = "": not a valid example
    return True


def _jsonable(value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_jsonable(item) for item in value)
    return False


def build_document(app: App, config: OpenAPI | None = None) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of ``app`` as JSON-able data.

    Args:
        app: the application (it is built if it was not yet).
        config: the document settings; defaults to the app's (``App(openapi=...)``), or
            :class:`OpenAPI` defaults when the app serves none.
    """
    if config is None:
        config = getattr(app, "openapi", None) or OpenAPI()
    return _Builder(app, config).document()
