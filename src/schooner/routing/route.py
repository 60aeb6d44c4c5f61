"""Route declarations: what a decorator records before the app is built."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from schooner.di.markers import Inject
from schooner.types import ASGIApp

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY")
WEBSOCKET = "WEBSOCKET"
"""The pseudo-method under which websocket routes are registered."""


class RouteOptions(TypedDict, total=False):
    """Options every route decorator accepts (``@app.get(path, **options)``).

    Keys:
        name: the route's name for ``url_for``; defaults to the handler's function name.
        status_code: status for non-``Response`` results (default 200; 204 for ``None``).
        headers: headers added to every response of this route.
        max_body_size: byte limit for JSON and urlencoded bodies of this route.
        max_upload_size: byte limit for multipart bodies and ``request.stream()``.
        dependencies: providers run before the handler for their effect (e.g. auth checks).
        meta: typed route metadata that batteries read when the app is built (e.g.
            ``csrf_exempt``, ``rate_limit("5/minute")``, ``cache_response(ttl=60)``); see
            ``RouteInfo.find``.
        tags, summary, description, deprecated, include_in_schema, operation_id, responses:
            OpenAPI metadata.
    """

    name: str
    status_code: int
    headers: Mapping[str, str]
    max_body_size: int
    max_upload_size: int
    dependencies: Sequence[Inject]
    meta: Sequence[object]
    tags: Sequence[str]
    summary: str
    description: str
    deprecated: bool
    include_in_schema: bool
    operation_id: str
    responses: Mapping[int, Any]


@dataclass(slots=True)
class Route:
    """A handler bound to a path template and a set of methods.

    Attributes:
        path: the template relative to its router, e.g. ``/items/{item_id:int}``.
        endpoint: the handler function (sync or async).
        methods: upper-case HTTP methods.
        options: the decorator options.
    """

    path: str
    endpoint: Callable[..., Any]
    methods: frozenset[str]
    options: RouteOptions = field(default_factory=lambda: RouteOptions())

    @property
    def name(self) -> str:
        """The route name used by ``url_for``."""
        name = self.options.get("name") or getattr(self.endpoint, "__name__", None)
        return str(name or "route")


@dataclass(slots=True)
class Mount:
    """Any ASGI app served under a path prefix.

    The mounted app receives the full ``path`` and a ``root_path`` extended by the prefix,
    as the ASGI specification describes.
    """

    path: str
    app: ASGIApp
    name: str | None = None
