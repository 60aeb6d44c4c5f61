"""Reading a callable's signature once, at startup, into a list of parameter sources."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin

import msgspec

from schooner.di.markers import Body, Inject, Param
from schooner.exceptions import ImproperlyConfigured
from schooner.http._validation import strip_optional
from schooner.http.request import Request
from schooner.websockets import WebSocket

_SEQUENCE_ORIGINS = (list, tuple, set, frozenset)


@dataclasses.dataclass(frozen=True, slots=True)
class ParamInfo:
    """One parameter of a handler or provider, after reading its annotation."""

    name: str
    annotation: Any
    """The type with ``Annotated`` metadata stripped."""
    marker: Param | Body | Inject | None
    default: Any
    """``inspect.Parameter.empty`` when the parameter is required."""

    @property
    def required(self) -> bool:
        """Whether the parameter has no default."""
        return self.default is inspect.Parameter.empty


def describe(func: Callable[..., Any]) -> str:
    """Return ``module.qualname`` of a callable, for messages and the CLI."""
    target = getattr(func, "__func__", func)
    module = getattr(target, "__module__", None) or "?"
    name = getattr(target, "__qualname__", None) or repr(target)
    return f"{module}.{name}"


def read_parameters(func: Callable[..., Any]) -> list[ParamInfo]:
    """Return the parameters of ``func`` with resolved annotations and markers.

    Raises:
        ImproperlyConfigured: ``*args``/``**kwargs``, positional-only parameters, or an
            annotation that cannot be resolved.
    """
    # For a class provider, the parameters are those of its constructor.
    hinted = getattr(func, "__init__") if isinstance(func, type) else func  # noqa: B009 - mypy rejects attribute access on a type
    try:
        hints = typing.get_type_hints(hinted, include_extras=True)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"Cannot resolve the type annotations of {describe(func)}: {exc}. "
            "Make sure every name used in an annotation is importable at module level."
        ) from exc
    params: list[ParamInfo] = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ImproperlyConfigured(
                f"{describe(func)} takes *{parameter.name}: handlers and providers must declare "
                "each parameter by name so Schooner knows where it comes from."
            )
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise ImproperlyConfigured(
                f"Parameter '{parameter.name}' of {describe(func)} is positional-only; "
                "Schooner passes parameters by keyword."
            )
        annotation = hints.get(parameter.name, Any)
        marker: Param | Body | Inject | None = None
        if get_origin(annotation) is Annotated:
            base, *extras = get_args(annotation)
            for extra in extras:
                if isinstance(extra, Param | Body | Inject):
                    marker = extra
            annotation = base
        default = parameter.default
        if isinstance(default, Param | Body | Inject):
            marker, default = default, inspect.Parameter.empty
        params.append(ParamInfo(parameter.name, annotation, marker, default))
    return params


def is_sequence(annotation: Any) -> bool:
    """Whether a (possibly optional) annotation is a list, tuple or set type."""
    base = strip_optional(annotation)
    return base in _SEQUENCE_ORIGINS or get_origin(base) in _SEQUENCE_ORIGINS


def is_request_type(annotation: Any) -> bool:
    """Whether the parameter asks for the ``Request`` itself."""
    return isinstance(annotation, type) and issubclass(annotation, Request)


def is_websocket_type(annotation: Any) -> bool:
    """Whether the parameter asks for the ``WebSocket`` of a websocket route."""
    return isinstance(annotation, type) and issubclass(annotation, WebSocket)


def is_body_type(annotation: Any) -> bool:
    """Whether the annotation is a structured type read from the body by default.

    msgspec Structs, dataclasses, TypedDicts and pydantic models (duck-typed, so pydantic is
    never imported here) are bodies; so are lists of them.
    """
    base = strip_optional(annotation)
    if get_origin(base) is list:
        args = get_args(base)
        return bool(args) and is_body_type(args[0])
    if not isinstance(base, type):
        return False
    return (
        issubclass(base, msgspec.Struct)
        or dataclasses.is_dataclass(base)
        or typing.is_typeddict(base)
        or is_pydantic_model(base)
    )


def is_pydantic_model(annotation: Any) -> bool:
    """Whether ``annotation`` is a pydantic v2 model class."""
    return isinstance(annotation, type) and hasattr(annotation, "model_validate_json")
