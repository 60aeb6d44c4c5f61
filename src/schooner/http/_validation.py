"""Every failing field of a value a typed decode refused, located for a 422.

msgspec stops at the first error; these helpers run only after a failure and walk the value
field by field, so a client learns about all its mistakes at once (up to
:data:`MAX_REPORTED_ERRORS`). Used for bodies, forms, parameters and WebSocket messages.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any, Union, get_args, get_origin

import msgspec

from schooner.exceptions import FieldError
from schooner.http._json import UNREADABLE, try_decode_json


def strip_optional(annotation: Any) -> Any:
    """Return ``T`` for ``T | None`` (and ``Optional[T]``), else the annotation itself."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


_ERROR_PATH = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def split_msgspec_error(message: str) -> tuple[str, list[str | int]]:
    """Split ``"Expected `int`, got `str` - at `$.a[0]`"`` into the message and ``["a", 0]``."""
    found = _ERROR_PATH.match(message)
    if found is None:  # pragma: no cover - the pattern matches any string
        return message, []
    loc: list[str | int] = []
    for key, index in _PATH_PART.findall(found.group("path") or ""):
        loc.append(int(index) if index else key)
    return found.group("msg"), loc


MAX_REPORTED_ERRORS = 100
"""A 422 lists at most this many failing fields: enough for any form a person fills in, and
a bound on the work (and the response size) a body of 70,000 bad list items can cost."""


@functools.lru_cache(maxsize=512)
def _object_fields(target: Any) -> tuple[tuple[str, bool, Any], ...] | None:
    """``(wire name, required, annotation)`` of each field of an object type, else ``None``.

    Cached: reading a type's fields takes about a third of a millisecond, and the walk of a
    list body asks once per item.
    """
    try:
        info = msgspec.inspect.type_info(target)
    except (TypeError, ValueError):
        return None
    object_types = (
        msgspec.inspect.StructType | msgspec.inspect.DataclassType | msgspec.inspect.TypedDictType
    )
    if not isinstance(info, object_types):
        return None
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception:
        hints = {}
    return tuple((f.encode_name, f.required, hints.get(f.name, Any)) for f in info.fields)


def _fields_of(target: Any) -> tuple[tuple[str, bool, Any], ...] | None:
    try:
        return _object_fields(target)
    except TypeError:  # an unhashable annotation (rare): read it uncached
        return _object_fields.__wrapped__(target)


def collect_errors(
    target: Any, data: Any, loc: list[str | int], *, strict: bool, dec_hook: Any = None
) -> list[FieldError]:
    """Validate ``data`` against ``target`` field by field to report every failure.

    msgspec stops at the first error; this slower pass runs only after a failure, so a
    client learns about all its mistakes at once (up to :data:`MAX_REPORTED_ERRORS`).
    Objects (Structs, dataclasses, TypedDicts) and lists are walked; other values are
    converted as a whole.
    """
    errors: list[FieldError] = []
    _walk(target, data, loc, errors, strict=strict, dec_hook=dec_hook)
    return errors


def _walk(
    target: Any,
    data: Any,
    loc: list[str | int],
    errors: list[FieldError],
    *,
    strict: bool,
    dec_hook: Any,
) -> None:
    """Append the failures of ``data`` against ``target`` to ``errors`` (until it is full)."""
    if len(errors) >= MAX_REPORTED_ERRORS:
        return
    before = len(errors)
    fields = _fields_of(strip_optional(target)) if isinstance(data, dict) else None
    if fields is not None:
        for name, required, annotation in fields:
            if name in data:
                _walk(
                    annotation, data[name], [*loc, name], errors, strict=strict, dec_hook=dec_hook
                )
            elif required and len(errors) < MAX_REPORTED_ERRORS:
                errors.append({"loc": [*loc, name], "msg": "Field required", "type": "missing"})
    elif isinstance(data, list) and get_origin(base := strip_optional(target)) is list:
        args = typing.get_args(base)
        item_type = args[0] if args else Any
        for index, item in enumerate(data):
            _walk(item_type, item, [*loc, index], errors, strict=strict, dec_hook=dec_hook)
            if len(errors) >= MAX_REPORTED_ERRORS:
                return
    if len(errors) > before:
        return
    try:
        msgspec.convert(data, target, strict=strict, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        msg, inner = split_msgspec_error(str(exc))
        if not inner and _integral(data) and _FLOAT_FOR_INT.fullmatch(msg):
            _walk(target, int(data), loc, errors, strict=strict, dec_hook=dec_hook)
            return
        errors.append({"loc": [*loc, *inner], "msg": msg, "type": "invalid"})


def every_error(
    target: Any, payload: bytes, where: str, exc: msgspec.ValidationError
) -> list[FieldError]:
    """Every failing field of a JSON ``payload`` that a typed decode refused with ``exc``.

    The fields are found by decoding ``payload`` again untyped and walking it
    (:func:`collect_errors`). That second decode, or the walk, can fail where the typed one
    did not stop: a number out of range, nesting too deep for the untyped decoder. Then
    the typed decoder's one error is the answer; the client still gets a located 422.
    """
    msg, loc = split_msgspec_error(str(exc))
    first: list[FieldError] = [{"loc": [where, *loc], "msg": msg, "type": "invalid"}]
    data = try_decode_json(payload)
    if data is UNREADABLE:
        return first
    try:
        return collect_errors(target, data, [where], strict=True) or first
    except RecursionError:
        return first


_FLOAT_FOR_INT = re.compile(r"Expected `int(?: \| [a-z]+)*`, got `float`")
"""msgspec's error for a JSON number with a fraction or exponent where an ``int`` (or an
``int | None``, ``int | str``) is due."""


_EXACT = 2**53
"""Past this magnitude a float no longer holds every integer: ``1e30`` is not the number sent."""


def _integral(value: Any) -> bool:
    """An integral float that is exactly the integer the client wrote (``761.0``, ``7.61e2``)."""
    return isinstance(value, float) and value.is_integer() and -_EXACT <= value <= _EXACT


_MAX_FIXES = 16
"""Each fix converts the whole value again: a bound on the work one body can cost (a list of
ints is fixed in one step; past this many separate fields the 422 stands)."""


def with_integral_floats(target: Any, payload: bytes, exc: msgspec.ValidationError) -> Any:
    """``payload`` decoded into ``target`` when its only fault is integral floats for ints.

    JSON has one number type: ``761.0`` and ``7.61e2`` are the integer 761 to JSON Schema (and
    to the OpenAPI document a client reads), but msgspec's typed decoder refuses a number
    written with a fraction or an exponent for an ``int`` field. This runs only after that
    refusal (the common path pays nothing): it decodes ``payload`` untyped, turns each value
    an ``int`` field refused into its ``int`` while it is integral and exact (``761.5`` and
    ``1e30`` stay refused), and converts again. :data:`UNREADABLE` when that does not make a
    valid value; the caller then reports every error (:func:`every_error`, which applies the
    same rule per field).
    """
    if not _FLOAT_FOR_INT.match(str(exc)):
        return UNREADABLE
    data = try_decode_json(payload)
    if data is UNREADABLE:
        return UNREADABLE
    for _ in range(_MAX_FIXES):
        msg, loc = split_msgspec_error(str(exc))
        if not _FLOAT_FOR_INT.fullmatch(msg):
            return UNREADABLE
        if not loc:
            if not _integral(data):
                return UNREADABLE
            data = int(data)
        else:
            try:
                parent = functools.reduce(lambda node, key: node[key], loc[:-1], data)
                value = parent[loc[-1]]
            except (KeyError, IndexError, TypeError):
                return UNREADABLE
            if not _integral(value):
                return UNREADABLE
            if isinstance(parent, list):  # a list of ints: its other items at once
                parent[:] = [int(item) if _integral(item) else item for item in parent]
            else:
                parent[loc[-1]] = int(value)
        try:
            return msgspec.convert(data, target, strict=True)
        except msgspec.ValidationError as again:
            exc = again
    return UNREADABLE
