"""The route table: the one place that decides where a request goes.

Built once by the app, it holds every route and mount and answers, for a decoded path and a
method, what the router will do: serve a route (with its path parameters), pass the request
to a mount, redirect to the other trailing-slash form, answer ``OPTIONS``, or refuse with
404, 405 or 426. The dispatcher, batteries that apply per-route rules before routing
(:meth:`RouteTable.match`), ``schooner middleware``, ``schooner routes`` and URL building
all use it, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from schooner.di._extractors import ValueExtractor
from schooner.di._injector import DependencyStep, walk_steps
from schooner.exceptions import (
    BadRequest,
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RouteConflict,
)
from schooner.http._target import route_path
from schooner.routing._matcher import Matcher, MatchKind, Target
from schooner.routing._path import CompiledPath
from schooner.routing.converters import DEFAULT_CONVERTERS, quote_param
from schooner.routing.route import WEBSOCKET, RouteOptions
from schooner.types import ASGIApp, Scope

if TYPE_CHECKING:
    from schooner.di._injector import Dependant

T = TypeVar("T")

TrailingSlash = Literal["redirect", "strict", "ignore"]
"""What a path that differs from a route only by its trailing slash gets."""

# Scope key of RouteTable.match's answer: ((table, raw path, method), RouteMatch). The key
# holds the table, so a mounted app (which gets a copy of the scope) never reuses its
# parent's answer.
_MATCH_KEY = "schooner.route_match"


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One route or mount as built: what serves which method on which path.

    Attributes:
        methods: upper-case methods (``("WEBSOCKET",)`` for websocket routes, ``("*",)``
            for mounts).
        path: the full path template, e.g. ``/api/items/{item_id:int}``.
        name: the route name for ``url_for``, namespaced by its routers (``polls:detail``).
        handler: ``module.qualname`` of the handler.
        middleware: names of the router middleware around this route.
        endpoint: the handler function itself (``None`` for mounts).
        options: the decorator options (tags, summary, status_code…).
        dependant: the parameter plan of the handler (``None`` for mounts): walk it with
            ``schooner.di`` tools to find every parameter, including dependencies'.
        tags: OpenAPI tags of the routers it was included through, then the route's own.
        meta: typed route metadata, the routers' (outermost first) then the route's own;
            read it with :meth:`find` and :meth:`find_all`.
    """

    methods: tuple[str, ...]
    path: str
    name: str
    handler: str
    middleware: tuple[str, ...] = ()
    endpoint: Callable[..., Any] | None = None
    options: RouteOptions = field(default_factory=lambda: RouteOptions())
    dependant: Dependant | None = None
    tags: tuple[str, ...] = ()
    meta: tuple[object, ...] = ()

    def find(self, kind: type[T]) -> T | None:
        """The most specific metadata of type ``kind`` (the route's own over its routers')."""
        for item in reversed(self.meta):
            if isinstance(item, kind):
                return item
        return None

    def find_all(self, kind: type[T]) -> tuple[T, ...]:
        """Every metadata item of type ``kind``, outermost router first, the route's last."""
        return tuple(item for item in self.meta if isinstance(item, kind))

    def depends_on(self, *providers: Callable[..., Any]) -> bool:
        """Whether the handler, or a dependency of it at any depth, is one of ``providers``.

        For a battery that treats routes using its provider specially (the sessions
        battery knows which routes read the session this way).
        """
        if self.dependant is None:
            return False
        wanted = set(providers)
        return any(
            isinstance(step, DependencyStep) and step.dependant.call in wanted
            for step in walk_steps(self.dependant)
        )

    def reads(self, location: Literal["path", "query", "header", "cookie"]) -> bool:
        """Whether the handler or a dependency reads a parameter from ``location``."""
        if self.dependant is None:
            return False
        return any(
            isinstance(step, ValueExtractor) and step.location == location
            for step in walk_steps(self.dependant)
        )


_NOT_FOUND = Target("not_found")
_BAD_REQUEST = Target("bad_request")
_NO_PARAMS: dict[str, Any] = {}


class RouteMatch:
    """Where the router will send one request, for code that runs before routing.

    Attributes:
        kind: ``"route"`` (a route serves it), ``"mount"`` (a mounted app does),
            ``"redirect"`` (308 to the other trailing-slash form), ``"options"`` (the
            router answers ``OPTIONS``), ``"not_found"``, ``"method_not_allowed"``,
            ``"upgrade_required"`` (HTTP to a WebSocket-only path) or ``"bad_request"``
            (a path that is not valid percent-encoded UTF-8).
        route: the route that will serve it (only when ``kind == "route"``).
        params: the converted path parameters, under the serving route's names.
        path: the decoded path, relative to the root path (``""`` for a bad request).
    """

    __slots__ = ("_target", "params", "path")

    def __init__(self, target: Target, params: Mapping[str, Any], path: str) -> None:
        self._target = target
        self.params = params
        self.path = path

    @property
    def kind(self) -> MatchKind:
        """The router's decision."""
        return self._target.kind

    @property
    def route(self) -> RouteInfo | None:
        """The route that will serve the request, or ``None``."""
        return self._target.route

    @property
    def location(self) -> str:
        """For a redirect: the path it redirects to (relative to the root path)."""
        return self._target.location

    @property
    def allow(self) -> str:
        """For 405 and ``OPTIONS``: the methods the path allows."""
        return self._target.allow

    def __repr__(self) -> str:
        name = self.route.name if self.route is not None else None
        return f"RouteMatch({self.kind!r}, path={self.path!r}, route={name!r})"


class RouteTable:
    """Every route and mount of an app, compiled; the only matcher.

    Args:
        trailing_slash: ``"redirect"`` (308 to the declared form), ``"strict"`` (404) or
            ``"ignore"`` (serve both forms).
    """

    def __init__(self, *, trailing_slash: TrailingSlash = "redirect") -> None:
        self.trailing_slash: TrailingSlash = trailing_slash
        self._matcher = Matcher()
        self._static = self._matcher.static  # read directly by resolve()
        self._routes: list[RouteInfo] = []
        self._names: dict[str, CompiledPath | str] = {}
        self._mount_targets: dict[str, Target] = {}
        self._finished = False

    # -- building -----------------------------------------------------------------------------

    def add_route(self, compiled: CompiledPath, info: RouteInfo, app: ASGIApp) -> None:
        """Serve ``info.methods`` on ``compiled`` with ``app`` (the route's ASGI app).

        Raises:
            RouteConflict: another route serves one of the methods on an equivalent path,
                or another route has the same name and a different path.
        """
        self._matcher.add(compiled, info.methods, app, info.handler, info)
        existing = self._names.get(info.name)
        if existing is not None and (
            not isinstance(existing, CompiledPath) or existing.template != compiled.template
        ):
            raise RouteConflict(
                f"Two routes are named '{info.name}' ({info.handler} at {info.path}); url_for "
                "could not tell them apart. Pass name='...' to one of the decorators, or "
                "include one router under a namespace."
            )
        self._names[info.name] = compiled
        self._routes.append(info)

    def add_mount(self, prefix: str, app: ASGIApp, *, name: str | None = None) -> None:
        """Serve every path under ``prefix`` with ``app`` (longest prefix wins).

        Raises:
            RouteConflict: another app is mounted there, or the name is taken.
        """
        self._matcher.add_mount(prefix, app)
        if name:
            if name in self._names:
                raise RouteConflict(f"Two routes or mounts are named '{name}'.")
            self._names[name] = prefix
        self._mount_targets[prefix] = Target("mount", app=app, location=prefix)
        self._routes.append(RouteInfo(("*",), prefix + "/…", name or "", f"mount {app!r}"))

    def finish(self) -> None:
        """Sort what was added and decide each path's targets; call once, last."""
        self._matcher.finish()
        self._finished = True

    # -- reading -----------------------------------------------------------------------------

    @property
    def routes(self) -> Sequence[RouteInfo]:
        """Every route and mount, in the order they were added."""
        return tuple(self._routes)

    def __iter__(self) -> Iterator[RouteInfo]:
        return iter(self._routes)

    def mounts(self) -> list[tuple[str, ASGIApp]]:
        """Every mounted app with its prefix, in declaration order."""
        return [(target.location, target.app) for target in self._mount_targets.values()]  # type: ignore[misc]  # mount targets always have an app

    def match(self, scope: Scope) -> RouteMatch:
        """Where the router will send this HTTP request or WebSocket handshake.

        For middleware that applies per-route rules before routing (CSRF, security headers,
        caching, rate limits): the answer is the router's own, trailing-slash policy and
        mounts included. It is kept in the scope, so several such layers match once.
        """
        method = WEBSOCKET if scope["type"] == "websocket" else scope.get("method", "GET")
        key = (self, scope.get("raw_path") or scope.get("path"), method)
        cached = scope.get(_MATCH_KEY)
        if cached is not None and cached[0] == key:
            found: RouteMatch = cached[1]
            return found
        try:
            path = route_path(scope)
        except BadRequest:
            found = RouteMatch(_BAD_REQUEST, _NO_PARAMS, "")
        else:
            target, params = self.resolve(path, method)
            found = RouteMatch(target, params, path)
        scope[_MATCH_KEY] = (key, found)
        return found

    def resolve(self, path: str, method: str) -> tuple[Target, dict[str, Any]]:
        """The target for a decoded ``path`` and a ``method`` (``"WEBSOCKET"`` for a
        handshake), with the path parameters under the serving route's names."""
        # Static paths first, without a call: most requests of most apps end here.
        static = self._static.get(path)
        if static is not None:
            target = static.targets.get(method)
            if target is not None:
                return target, {}
        found = self._matcher.match(path)
        if found is None:
            mount = self._matcher.match_mount(path)
            if mount is not None:
                return self._mount_targets[mount[0]], _NO_PARAMS
            if method == WEBSOCKET or self.trailing_slash == "strict" or path == "/":
                return _NOT_FOUND, _NO_PARAMS
            alternate = path[:-1] if path.endswith("/") else path + "/"
            found = self._matcher.match(alternate)
            if found is None:
                return _NOT_FOUND, _NO_PARAMS
            if self.trailing_slash == "redirect":
                return Target("redirect", location=alternate), _NO_PARAMS
        entry, params = found
        target = entry.targets.get(method)
        if target is None:
            if method == WEBSOCKET:
                mount = self._matcher.match_mount(path)
                if mount is not None:
                    return self._mount_targets[mount[0]], _NO_PARAMS
                return _NOT_FOUND, _NO_PARAMS
            return entry.refusal(method), _NO_PARAMS
        if target.renames is not None:
            params = {target.renames[name]: value for name, value in params.items()}
        return target, params

    def trace(self, path: str, method: str) -> list[str]:
        """What the router does for ``method path``, in words (``schooner middleware``): the
        serving route's router middleware, then its handler or the router's own answer."""
        target, _ = self.resolve(path, method.upper())
        if target.kind == "route" and target.route is not None:
            return [*target.route.middleware, target.route.handler]
        return [_describe(target)]

    # -- URLs ---------------------------------------------------------------------------------

    def url_path_for(self, name: str, /, **params: Any) -> str:
        """Build the path of the route named ``name``, percent-encoding each parameter.

        For a named mount, pass the sub-path as ``path``.

        Raises:
            LookupError: no route or mount has that name.
            ValueError: parameters are missing, unknown or rejected by their converter.
        """
        target = self._names.get(name)
        if target is None:
            hint = ""
            namespaced = sorted(n for n in self._names if n.rsplit(":", 1)[-1] == name)
            if namespaced:
                hint = f" Did you mean {', '.join(repr(n) for n in namespaced)}?"
            raise LookupError(f"No route is named '{name}'.{hint}")
        if isinstance(target, CompiledPath):
            return target.build(params)
        sub = str(params.pop("path", ""))
        if params:
            raise ValueError(f"Mount '{name}' takes only 'path', not {sorted(params)}.")
        return target + "/" + quote_param(sub.lstrip("/"), DEFAULT_CONVERTERS["path"])


def _describe(target: Target) -> str:
    """The router's answer, when no route serves the request."""
    if target.kind == "mount":
        return f"mount {target.location} -> {target.app!r}"
    if target.kind == "redirect":
        return f"308 Permanent Redirect -> {target.location}"
    if target.kind == "options":
        return f"204 No Content (Allow: {target.allow})"
    if target.kind == "method_not_allowed":
        return f"405 Method Not Allowed (Allow: {target.allow})"
    if target.kind == "upgrade_required":
        return "426 Upgrade Required (a WebSocket endpoint)"
    return "404 Not Found"


def refuse(target: Target, scope: Scope, path: str) -> HTTPException:
    """The error a 404, 405, 426 or 400 target answers with."""
    if target.kind == "method_not_allowed":
        return MethodNotAllowed(
            target.allow.split(", "), detail=f"{scope['method']} is not allowed on '{path}'."
        )
    if target.kind == "upgrade_required":  # RFC 9110 §15.5.22
        return HTTPException(
            426,
            detail=f"'{path}' is a WebSocket endpoint.",
            headers={"Upgrade": "websocket", "Connection": "Upgrade"},
        )
    return NotFound(detail=f"No route matches '{path}'.")
