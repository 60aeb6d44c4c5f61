"""Extractors: compiled readers for one parameter's value from a request."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from schooner.di._analysis import (
    ParamInfo,
    is_pydantic_model,
    is_sequence,
)
from schooner.di.markers import Body, Param
from schooner.exceptions import BadRequest, FieldError, UnsupportedMediaType
from schooner.http._json import UNREADABLE, malformed_json
from schooner.http._sansio.content_type import (
    MULTIPART,
    URLENCODED,
    is_json_media_type,
    parse_header_params,
)
from schooner.http._validation import (
    collect_errors,
    every_error,
    split_msgspec_error,
    strip_optional,
    with_integral_floats,
)

if TYPE_CHECKING:
    from schooner.di._context import RequestContext
    from schooner.types import Scope

MISSING: Any = object()


class ValueExtractor:
    """Reads a path, query, header or cookie value and converts it with msgspec."""

    __slots__ = (
        "default",
        "exact_type",
        "extract",
        "fast",
        "location",
        "marker",
        "multi",
        "name",
        "passthrough",
        "target",
        "wire_name",
    )

    def __init__(self, info: ParamInfo, location: str) -> None:
        marker = info.marker if isinstance(info.marker, Param) else None
        self.marker = marker  # kept for the OpenAPI document (description, examples…)
        self.name = info.name
        self.location = location
        alias = marker.alias if marker else None
        if alias:
            self.wire_name = alias
        elif location == "header":
            self.wire_name = info.name.replace("_", "-")
        else:
            self.wire_name = info.name
        self.default = MISSING_DEFAULT if info.required else info.default
        self.multi = location in ("query", "header") and is_sequence(info.annotation)
        constraints = marker.constraints() if marker else {}
        target = info.annotation
        if constraints:
            target = Annotated[strip_optional(target), msgspec.Meta(**constraints)]
            if strip_optional(info.annotation) is not info.annotation:
                target = target | None
        self.target = target
        # A value that already has the declared type (a str from the query string, an int a
        # path converter made) needs no conversion; skipping msgspec keeps that case cheap.
        base = strip_optional(target)
        self.passthrough = not constraints and base is Any
        self.exact_type: Any = base if not constraints and isinstance(base, type) else None
        self.fast = _fast_check(strip_optional(info.annotation), constraints)
        self.extract = self._compile()

    def raw(self, ctx: RequestContext) -> Any:
        """The values of a multi-valued query or header parameter, or a cookie's value;
        ``MISSING`` when absent. (Single path, query and header values are read by the
        compiled readers of :meth:`_compile`.)"""
        request = ctx.request
        if self.location == "cookie":
            return request.cookies.get(self.wire_name, MISSING)
        source = request.query_params if self.location == "query" else request.headers
        values = source.getlist(self.wire_name)
        return values if values else MISSING

    def __call__(self, ctx: RequestContext, errors: list[FieldError]) -> Any:
        """Return the converted value; on failure append to ``errors`` and return ``MISSING``."""
        return self.extract(ctx, errors)

    def convert(self, raw: Any, errors: list[FieldError]) -> Any:
        """Convert a raw value that is present; on failure append to ``errors``."""
        if raw is MISSING:
            if self.default is not MISSING_DEFAULT:
                return self.default
            errors.append(
                {"loc": [self.location, self.wire_name], "msg": "Field required", "type": "missing"}
            )
            return MISSING
        if type(raw) is self.exact_type or (self.passthrough and isinstance(raw, str)):
            return raw
        if self.fast is not None and type(raw) is str:
            value = self.fast(raw)
            if value is not _REFUSED:
                return value
        try:
            return msgspec.convert(raw, self.target, strict=False)
        except msgspec.ValidationError as exc:
            msg, _ = split_msgspec_error(str(exc))
            errors.append({"loc": [self.location, self.wire_name], "msg": msg, "type": "invalid"})
            return MISSING

    def _compile(self) -> Callable[[RequestContext, list[FieldError]], Any]:
        """A reader specialised for this parameter's location: one call per value.

        The common locations read the value inline and return it when it already has the
        declared type; anything else goes through :meth:`convert`.
        """
        convert = self.convert
        wire = self.wire_name
        exact = self.exact_type if self.exact_type is not object else None
        if self.multi or self.location == "cookie":
            raw = self.raw

            def extract_any(ctx: RequestContext, errors: list[FieldError]) -> Any:
                return convert(raw(ctx), errors)

            return extract_any
        if self.location == "path":

            def extract_path(ctx: RequestContext, errors: list[FieldError]) -> Any:
                value = ctx.scope["path_params"].get(wire, MISSING)
                return value if type(value) is exact else convert(value, errors)

            return extract_path
        # Text values with a plain-Python check (a bool, a length-bounded str) are checked
        # here, without a call to convert(), when they pass; convert() writes any error.
        fast = self.fast or _accept_none
        if self.location == "query":

            def extract_query(ctx: RequestContext, errors: list[FieldError]) -> Any:
                value = ctx.query.get(wire, MISSING)
                if type(value) is exact:
                    return value
                if value is not MISSING and (checked := fast(value)) is not _REFUSED:
                    return checked
                return convert(value, errors)

            return extract_query
        key = self.wire_name.lower().encode("latin-1")

        def extract_header(ctx: RequestContext, errors: list[FieldError]) -> Any:
            for name, found in ctx.scope["headers"]:
                if name == key:
                    value = found.decode("latin-1")
                    if type(value) is exact or (checked := fast(value)) is _REFUSED:
                        return value if type(value) is exact else convert(value, errors)
                    return checked
            return convert(MISSING, errors)

        return extract_header


MISSING_DEFAULT: Any = object()
"""Sentinel used in place of ``inspect.Parameter.empty`` for speed and clarity."""

_REFUSED: Any = object()


def _accept_none(raw: str) -> Any:
    """The check of a value that has no plain-Python one: msgspec converts it."""
    return _REFUSED


_BOOLS = {"true": True, "false": False, "1": True, "0": False}  # what msgspec accepts


def _fast_check(base: Any, constraints: dict[str, Any]) -> Callable[[str], Any] | None:
    """A plain-Python check for the commonest conversions of a text value, or ``None``.

    It accepts exactly what msgspec accepts, or answers ``_REFUSED``; msgspec then runs
    and writes the error message, so both paths agree on every value.
    """
    if base is bool and not constraints:

        def to_bool(raw: str) -> Any:
            return _BOOLS.get(raw.lower(), _REFUSED)

        return to_bool
    if base is not str or not constraints or set(constraints) - {"min_length", "max_length"}:
        return None
    low = constraints.get("min_length", 0)
    high = constraints.get("max_length", sys.maxsize)

    def bounded(raw: str) -> Any:
        return raw if low <= len(raw) <= high else _REFUSED

    return bounded


def _upload_hook(target: type, value: Any) -> Any:
    if isinstance(value, target):
        return value
    raise msgspec.ValidationError(f"Expected `{target.__name__}`")


class BodyExtractor:
    """Decodes and validates the request body into the annotated type."""

    __slots__ = ("decode", "default", "list_fields", "marker", "media_type", "name", "target")

    def __init__(self, info: ParamInfo) -> None:
        marker = info.marker if isinstance(info.marker, Body) else Body()
        self.marker = marker
        self.name = info.name
        self.default = MISSING_DEFAULT if info.required else info.default
        self.media_type = marker.media_type
        self.target = strip_optional(info.annotation)
        self.decode: Callable[[bytes], Any]
        if is_pydantic_model(self.target):
            self.decode = self.target.model_validate_json
        else:
            self.decode = msgspec.json.Decoder(info.annotation).decode
        self.list_fields = _list_fields(self.target) if self.media_type == "form" else frozenset()

    async def __call__(self, ctx: RequestContext, errors: list[FieldError]) -> Any:
        """Return the validated body; on failure append to ``errors`` and return ``MISSING``."""
        if self.media_type == "form":
            return await self._from_form(ctx, errors)
        body = await ctx.body()
        if not body:
            if self.default is not MISSING_DEFAULT:
                return self.default
            errors.append({"loc": ["body"], "msg": "A JSON body is required", "type": "missing"})
            return MISSING
        for name, value in ctx.scope["headers"]:
            if name == b"content-type":
                # The exact common value first: this runs on every JSON request.
                if value != b"application/json" and not is_json_media_type(value.decode("latin-1")):
                    raise _unsupported(ctx.scope, value.decode("latin-1"), JSON_MEDIA_TYPES)
                break
        try:
            return self.decode(body)
        except msgspec.ValidationError as exc:  # a DecodeError too: it must come first
            value = with_integral_floats(self.target, body, exc)
            if value is not UNREADABLE:
                return value
            errors.extend(every_error(self.target, body, "body", exc))
        except (msgspec.DecodeError, RecursionError) as exc:
            raise malformed_json(exc, "body") from None
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            if not hasattr(exc, "errors"):
                raise
            for item in exc.errors():
                if item.get("type") == "json_invalid":
                    raise BadRequest(detail=f"Malformed JSON body: {item.get('msg')}.") from None
                loc = [p for p in item.get("loc", ()) if isinstance(p, str | int)]
                errors.append({"loc": ["body", *loc], "msg": item["msg"], "type": item["type"]})
        return MISSING

    async def _from_form(self, ctx: RequestContext, errors: list[FieldError]) -> Any:
        content_type = _content_type(ctx.scope)
        data: dict[str, Any] = {}
        if content_type is None and not await ctx.body():
            pass  # no body at all: an empty form, so its required fields are reported
        elif parse_header_params(content_type or "")[0] not in (URLENCODED, MULTIPART):
            raise _unsupported(ctx.scope, content_type, FORM_MEDIA_TYPES)
        else:
            form = await ctx.request.form()
            for key, value in form.multi_items():
                if key in self.list_fields:
                    data.setdefault(key, []).append(value)
                else:
                    data[key] = value
        try:
            if is_pydantic_model(self.target):
                return self.target.model_validate(data)
            return msgspec.convert(data, self.target, strict=False, dec_hook=_upload_hook)
        except msgspec.ValidationError as exc:
            msg, loc = split_msgspec_error(str(exc))
            found = collect_errors(self.target, data, ["body"], strict=False, dec_hook=_upload_hook)
            errors.extend(found or [{"loc": ["body", *loc], "msg": msg, "type": "invalid"}])
        except ValueError as exc:
            if not hasattr(exc, "errors"):
                raise
            for item in exc.errors():
                loc = [p for p in item.get("loc", ()) if isinstance(p, str | int)]
                errors.append({"loc": ["body", *loc], "msg": item["msg"], "type": item["type"]})
        return MISSING


JSON_MEDIA_TYPES = "application/json"
"""What a JSON body route accepts (``+json`` types too), as its 415 names it."""
FORM_MEDIA_TYPES = f"{URLENCODED}, {MULTIPART}"
"""What a form body route accepts, as its 415 names it."""

# RFC 5789 §3.1 (Accept-Patch) and the W3C Linked Data Platform's Accept-Post tell a client
# which media types the method takes; other methods have no such header.
_ACCEPT_HEADERS = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}


def _content_type(scope: Scope) -> str | None:
    """The request's ``Content-Type``, or ``None`` when it has none."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1"))
    return None


def _unsupported(scope: Scope, content_type: str | None, accepted: str) -> UnsupportedMediaType:
    """The 415 for a body sent as ``content_type`` to a route that reads ``accepted``."""
    header = _ACCEPT_HEADERS.get(scope.get("method", ""))
    sent = f"not {content_type!r}" if content_type else "and this one has no Content-Type"
    return UnsupportedMediaType(
        detail=f"This route reads a body of type {accepted}, {sent}.",
        headers={header: accepted} if header else None,
    )


def _list_fields(target: Any) -> frozenset[str]:
    """Names of the fields of a form model that hold several values."""
    try:
        info = msgspec.inspect.type_info(target)
    except (TypeError, ValueError):
        return frozenset()
    fields = getattr(info, "fields", ())
    return frozenset(
        f.encode_name
        for f in fields
        if isinstance(f.type, msgspec.inspect.ListType | msgspec.inspect.SetType)
    )
