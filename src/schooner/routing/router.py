"""Routers group routes under a prefix, with their own middleware and dependencies."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, Unpack

from schooner.di.markers import Inject
from schooner.exceptions import ImproperlyConfigured
from schooner.routing.route import HTTP_METHODS, WEBSOCKET, Mount, Route, RouteOptions
from schooner.types import ASGIApp

F = TypeVar("F", bound=Callable[..., Any])


class RouteRegistry:
    """The route decorators shared by :class:`Router` and ``App``.

    Every decorator takes the path and the :class:`RouteOptions` keywords.
    """

    def __init__(self) -> None:
        self.routes: list[Route | Mount | Included] = []

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str],
        **options: Unpack[RouteOptions],
    ) -> Route:
        """Register ``endpoint`` for ``methods`` on ``path`` and return the route."""
        upper = frozenset(m.upper() for m in methods)
        unknown = upper - set(HTTP_METHODS)
        if not upper or unknown:
            raise ImproperlyConfigured(
                f"Route {path!r} has invalid methods {sorted(unknown) or '[]'}; "
                f"use some of {', '.join(HTTP_METHODS)}."
            )
        route = Route(path, endpoint, upper, options)
        self.routes.append(route)
        return route

    def route(
        self, path: str, *, methods: Sequence[str], **options: Unpack[RouteOptions]
    ) -> Callable[[F], F]:
        """Decorator registering a handler for the given ``methods``."""

        def decorator(endpoint: F) -> F:
            self.add_route(path, endpoint, methods=methods, **options)
            return endpoint

        return decorator

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        """Register a ``GET`` handler (``HEAD`` is answered by it automatically)."""
        return self.route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        """Register a ``POST`` handler."""
        return self.route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        """Register a ``PUT`` handler."""
        return self.route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        """Register a ``PATCH`` handler."""
        return self.route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        """Register a ``DELETE`` handler."""
        return self.route(path, methods=["DELETE"], **options)

    def websocket(
        self,
        path: str,
        *,
        name: str | None = None,
        dependencies: Sequence[Inject] = (),
        meta: Sequence[object] = (),
    ) -> Callable[[F], F]:
        """Register an ``async def`` websocket handler; it gets a ``WebSocket`` parameter.

        Path, query, header and cookie parameters and injected dependencies work as for
        HTTP handlers; a request body does not exist.
        """

        def decorator(endpoint: F) -> F:
            options = RouteOptions(dependencies=dependencies, meta=meta)
            if name is not None:
                options["name"] = name
            self.routes.append(Route(path, endpoint, frozenset({WEBSOCKET}), options))
            return endpoint

        return decorator

    def include(self, router: Router, *, prefix: str = "", namespace: str | None = None) -> None:
        """Add every route of ``router`` here, under ``prefix`` + the router's own prefix.

        Args:
            router: the router to include.
            prefix: prepended to the router's own prefix.
            namespace: route names of the router become ``namespace:name`` (for
                ``url_for("polls:detail", ...)``); replaces the router's own namespace.
        """
        if router is self:
            raise ImproperlyConfigured("A router cannot include itself.")
        _check_prefix(prefix)
        if namespace is not None:
            _check_namespace(namespace)
        self.routes.append(Included(router, prefix, namespace))

    def mount(self, path: str, app: ASGIApp, *, name: str | None = None) -> None:
        """Serve every request under ``path`` with the ASGI app ``app``."""
        _check_prefix(path, allow_empty=False)
        self.routes.append(Mount(path, app, name))

    def mount_wsgi(self, path: str, app: Callable[..., Any], *, name: str | None = None) -> None:
        """Serve every request under ``path`` with a WSGI app (Flask, Django…), via a2wsgi.

        WSGI code runs in a worker thread, so it never blocks the event loop.

        Raises:
            MissingDependency: a2wsgi is not installed (``pip install 'schooner[wsgi]'``).
        """
        try:
            from a2wsgi import WSGIMiddleware
        except ImportError:
            from schooner.exceptions import MissingDependency

            raise MissingDependency("a2wsgi", "wsgi") from None
        wrapped: ASGIApp = WSGIMiddleware(app)  # type: ignore[assignment]  # a2wsgi types its scope narrower than ASGIApp
        self.mount(path, wrapped, name=name)


def _check_prefix(prefix: str, *, allow_empty: bool = True) -> None:
    if (prefix or not allow_empty) and (not prefix.startswith("/") or prefix.endswith("/")):
        raise ImproperlyConfigured(
            f"Prefix {prefix!r} must start with '/' and must not end with '/' (e.g. '/api')."
        )


def _check_namespace(namespace: str) -> None:
    if not namespace or ":" in namespace or "/" in namespace:
        raise ImproperlyConfigured(
            f"Namespace {namespace!r} must be a non-empty name without ':' or '/' (e.g. 'polls')."
        )


@dataclass(slots=True)
class Included:
    """A router included into another, with an extra prefix and maybe a namespace."""

    router: Router
    prefix: str
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class FlatRoute:
    """A route with everything inherited from its routers resolved."""

    path: str
    route: Route
    middleware: tuple[Any, ...]
    dependencies: tuple[Inject, ...]
    tags: tuple[str, ...]
    meta: tuple[object, ...] = ()
    namespace: str = ""

    @property
    def name(self) -> str:
        """The route's name, prefixed by its namespaces (``polls:detail``)."""
        return f"{self.namespace}:{self.route.name}" if self.namespace else self.route.name


class Router(RouteRegistry):
    """A group of routes sharing a prefix, middleware and dependencies.

    Router middleware runs only for this router's routes, inside the app's middleware;
    the outer router's middleware wraps an inner router's. ``dependencies`` run before
    every handler of the router (e.g. an authentication check).

    Args:
        prefix: prepended to every path, e.g. ``/api``.
        middleware: ASGI middleware (``Middleware(cls, **options)`` or a class) or
            ``async (request, call_next)`` functions, outermost first.
        dependencies: providers run before each handler for their effect.
        tags: OpenAPI tags for every route.
        meta: typed route metadata for every route (a route's own comes after, and wins
            where a battery reads one value).
        namespace: route names become ``namespace:name`` (``url_for("polls:detail")``),
            as Django's and Flask's blueprints do; nested routers chain them.
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        middleware: Sequence[Any] = (),
        dependencies: Sequence[Inject] = (),
        tags: Sequence[str] = (),
        meta: Sequence[object] = (),
        namespace: str | None = None,
    ) -> None:
        super().__init__()
        _check_prefix(prefix)
        if namespace is not None:
            _check_namespace(namespace)
        self.prefix = prefix
        self.middleware = list(middleware)
        self.dependencies = list(dependencies)
        self.tags = list(tags)
        self.meta = list(meta)
        self.namespace = namespace

    def flatten(self) -> Iterator[FlatRoute | Mount]:
        """Yield every route and mount with full paths, outermost settings first."""
        return self._flatten("", (), (), (), (), self.namespace or "", ())

    def _flatten(
        self,
        prefix: str,
        middleware: tuple[Any, ...],
        dependencies: tuple[Inject, ...],
        tags: tuple[str, ...],
        meta: tuple[object, ...],
        namespace: str,
        seen: tuple[int, ...],
    ) -> Iterator[FlatRoute | Mount]:
        if id(self) in seen:
            raise ImproperlyConfigured("Routers include each other in a loop.")
        seen = (*seen, id(self))
        prefix = prefix + self.prefix
        middleware = (*middleware, *self.middleware)
        dependencies = (*dependencies, *self.dependencies)
        tags = (*tags, *self.tags)
        meta = (*meta, *self.meta)
        for item in self.routes:
            if isinstance(item, Route):
                own = tuple(item.options.get("meta", ()))
                yield FlatRoute(
                    prefix + item.path,
                    item,
                    middleware,
                    dependencies,
                    tags,
                    (*meta, *own),
                    namespace,
                )
            elif isinstance(item, Mount):
                name = item.name and (f"{namespace}:{item.name}" if namespace else item.name)
                yield Mount(prefix + item.path, item.app, name)
            else:
                inner = item.namespace or item.router.namespace
                joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                yield from item.router._flatten(
                    prefix + item.prefix, middleware, dependencies, tags, meta, joined, seen
                )
