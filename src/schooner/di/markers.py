"""Markers that say where a handler parameter comes from, used inside ``Annotated``.

``Annotated[int, Query(ge=1, le=500, alias="page-size")]`` reads ``?page-size=`` and checks
the bounds; ``Annotated[Db, Inject(get_db)]`` calls the provider ``get_db``. Without a
marker, the annotation decides: path parameters by name, ``Request`` as itself, Structs,
dataclasses, TypedDicts and pydantic models as the JSON body, registered types as injected
dependencies, and everything else as a query parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Scope = Literal["request", "app"]

CONSTRAINTS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")
"""The constraint options markers (and the forms battery's fields) share with ``msgspec.Meta``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """Options shared by every request-value marker.

    Args:
        alias: the name on the wire when it differs from the parameter name.
        ge, gt, le, lt: numeric bounds.
        min_length, max_length: bounds on the length of strings and lists.
        pattern: a regular expression the string must match.
        description: shown in the OpenAPI document.
        deprecated: marks the parameter deprecated in the OpenAPI document.
        include_in_schema: set ``False`` to hide the parameter from the OpenAPI document.
    """

    alias: str | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    description: str | None = None
    deprecated: bool = False
    include_in_schema: bool = True
    examples: tuple[Any, ...] = field(default=())

    location: str = field(default="query", init=False)

    def constraints(self) -> dict[str, Any]:
        """Return the non-empty constraints, in ``msgspec.Meta`` keyword form."""
        return {n: getattr(self, n) for n in CONSTRAINTS if getattr(self, n) is not None}


@dataclass(frozen=True, slots=True, kw_only=True)
class Query(Param):
    """A query-string parameter; list annotations take every repeated value."""

    location: str = field(default="query", init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Path(Param):
    """A path parameter declared in the route template (``/items/{item_id}``)."""

    location: str = field(default="path", init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Header(Param):
    """A request header; ``user_agent`` reads ``User-Agent`` unless ``alias`` says otherwise."""

    location: str = field(default="header", init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cookie(Param):
    """A cookie sent by the client."""

    location: str = field(default="cookie", init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Body:
    """The request body, decoded and validated into the annotated type.

    Args:
        media_type: ``"json"`` (default) or ``"form"`` (urlencoded or multipart; file
            fields become ``UploadFile``).
        description: shown in the OpenAPI document.
    """

    media_type: Literal["json", "form"] = "json"
    description: str | None = None


def Form(*, description: str | None = None) -> Body:
    """Shorthand for ``Body(media_type="form")``: read the body as an HTML form."""
    return Body(media_type="form", description=description)


@dataclass(frozen=True, slots=True)
class Inject:
    """Inject the value of a provider: ``Annotated[Db, Inject(get_db)]``.

    A provider is a function, async function, generator or async generator; its own
    parameters are resolved the same way as a handler's. A generator's code after
    ``yield`` runs once the response has been sent, also when the handler raised.

    Args:
        provider: the callable; ``None`` means "the provider registered for this type with
            ``app.provide``".
        scope: ``"request"`` (default): called at most once per request, the value shared by
            everyone who asks; ``"app"``: called once for the life of the app.
        use_cache: set ``False`` to call the provider again for this parameter even if the
            request already resolved it.
    """

    provider: Callable[..., Any] | None = None
    scope: Scope | None = None
    use_cache: bool = True
