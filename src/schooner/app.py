"""``App``: the ASGI application that composes routing, middleware, DI, lifespan and components."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from schooner.components import Component
from schooner.config import Settings
from schooner.datastructures import State
from schooner.di._analysis import describe
from schooner.di._injector import Dependant, Injector, uses_websocket
from schooner.di.markers import Scope as ProviderScope
from schooner.exceptions import HTTPException, ImproperlyConfigured, RouteConflict
from schooner.lifespan import Hook, Lifespan, LifespanFactory
from schooner.middleware.base import Middleware, build_stack, normalize
from schooner.middleware.errors import (
    ExceptionHandler,
    ExceptionHandlers,
    ExceptionMiddleware,
    ServerErrorMiddleware,
)
from schooner.openapi._config import OpenAPI
from schooner.routing._dispatch import Dispatcher, TrailingSlash, route_path
from schooner.routing._endpoint import make_endpoint
from schooner.routing._matcher import Matcher
from schooner.routing._path import CompiledPath, compile_path
from schooner.routing._websocket import make_websocket_endpoint
from schooner.routing.converters import DEFAULT_CONVERTERS, Converter, quote_param
from schooner.routing.route import WEBSOCKET, Mount, RouteOptions
from schooner.routing.router import FlatRoute, Router, RouteRegistry
from schooner.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    import click

H = TypeVar("H", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One route or mount as built: what serves which method on which path.

    Used by ``schooner routes`` and by tools that describe the app (OpenAPI).

    Attributes:
        methods: upper-case methods (``("WEBSOCKET",)`` for websocket routes, ``("*",)``
            for mounts).
        path: the full path template, e.g. ``/api/items/{item_id:int}``.
        name: the route name for ``url_for``.
        handler: ``module.qualname`` of the handler.
        middleware: names of the router middleware around this route.
        endpoint: the handler function itself (``None`` for mounts).
        options: the decorator options (tags, summary, status_code…).
        dependant: the parameter plan of the handler (``None`` for mounts): walk it with
            ``schooner.di`` tools to find every parameter, including dependencies'.
        tags: OpenAPI tags of the routers it was included through, then the route's own.
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


_DEFAULT_OPENAPI = OpenAPI()
# Scope key of App.route_for's answer: ((app, raw path, method), RouteInfo | None). The key
# holds the app, so a mounted app (which gets a copy of the scope) never reuses its parent's.
_ROUTE_KEY = "schooner.route"


class App(RouteRegistry):
    """A Schooner application (an ASGI 3 app).

    Declare routes with the decorators (``@app.get("/items/{id:int}")``), group them with
    :class:`~schooner.Router`, and serve it with ``schooner run app:app``. Everything is
    compiled once, on the first event (normally the server's lifespan startup) or by
    calling :meth:`build`; configuration mistakes are raised then, not on a request.

    Args:
        settings: typed settings (``Settings.load()``); defaults to development settings.
        debug: overrides ``settings.debug``; shows the debug error page when on.
        middleware: ASGI middleware or ``async (request, call_next)`` functions; the first
            is the outermost layer.
        components: batteries and your own components, set up in order.
        exception_handlers: exception type (or status code) → ``(request, exc) -> Response``.
        lifespan: factories of async context managers run around the app's life.
        on_startup, on_shutdown: hooks, run in declaration order.
        converters: extra path converters by name.
        trailing_slash: ``"redirect"`` (308 to the declared form, default), ``"strict"``
            or ``"ignore"``.
        openapi: the OpenAPI document's settings (title, version, where the document
            and the docs UI are served); ``None`` serves neither.
        static_dirs: the project's static folders, served under ``/static`` and searched
            before any component's, so the project's files override theirs.
    """

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        debug: bool | None = None,
        middleware: Sequence[Any] = (),
        components: Sequence[Component] = (),
        exception_handlers: Mapping[type[BaseException] | int, ExceptionHandler] | None = None,
        lifespan: Sequence[LifespanFactory] = (),
        on_startup: Sequence[Hook] = (),
        on_shutdown: Sequence[Hook] = (),
        converters: Mapping[str, Converter] | None = None,
        trailing_slash: TrailingSlash = "redirect",
        openapi: OpenAPI | None = _DEFAULT_OPENAPI,
        static_dirs: Sequence[str | Path] = (),
    ) -> None:
        super().__init__()
        self.openapi = openapi
        self._openapi_document: dict[str, Any] | None = None
        self._openapi_json: dict[str, bytes] = {}
        self.settings = settings if settings is not None else Settings()
        self.debug = self.settings.debug if debug is None else debug
        self.state = State()
        self.extensions: dict[str, Any] = {}
        self.static_dirs: list[tuple[str, Path]] = []
        self.template_dirs: list[Path] = []
        self.commands: list[click.Command] = []
        self.components: list[Component] = []
        self.trailing_slash: TrailingSlash = trailing_slash
        self.converters: dict[str, Converter] = {**DEFAULT_CONVERTERS, **(converters or {})}
        self._middleware: list[tuple[Middleware, str | None, str | None]] = []
        self._handlers: dict[type[BaseException] | int, ExceptionHandler] = {}
        self._errors = ExceptionHandlers({})
        self._startup: list[Hook] = list(on_startup)
        self._shutdown: list[Hook] = list(on_shutdown)
        self._lifespans: list[LifespanFactory] = list(lifespan)
        self._injector = Injector()
        self._stack: ASGIApp | None = None
        self._lifespan = Lifespan(
            self,
            prepare=self.build,
            on_startup=self._startup,
            on_shutdown=self._shutdown,
            factories=self._lifespans,
            close=self._injector.shutdown,
        )
        self._names: dict[str, CompiledPath | str] = {}
        self._routes: list[RouteInfo] = []
        self._handler_info: dict[int, RouteInfo] = {}
        self._matcher = Matcher()
        self._chain: list[str] = []
        if openapi is not None:
            from schooner.openapi._ui import docs_router

            self.include(docs_router(self, openapi))
        for entry in middleware:
            self.add_middleware(entry)
        for key, handler in (exception_handlers or {}).items():
            self.add_exception_handler(key, handler)
        for directory in static_dirs:  # before the components': the project's files win
            self.add_static_dir(directory)
        for component in components:
            self.add_component(component)

    # -- configuration ----------------------------------------------------------------------

    @property
    def dependency_overrides(self) -> dict[Callable[..., Any], Callable[..., Any]]:
        """Provider → replacement, consulted on every request (use it in tests)."""
        return self._injector.overrides

    def _check_open(self, what: str) -> None:
        if self._stack is not None:
            raise ImproperlyConfigured(
                f"Cannot {what} after the app has started; do it before serving requests."
            )

    def add_middleware(
        self, middleware: Any, *, before: str | None = None, after: str | None = None
    ) -> None:
        """Add middleware; by default it becomes the innermost app-level layer so far.

        Args:
            middleware: an ASGI middleware class, ``Middleware(cls, **options)`` or an
                ``async (request, call_next)`` function.
            before, after: place it just outside / inside the middleware with this name
                (a component uses this to declare its position).
        """
        self._check_open("add middleware")
        if before and after:
            raise ImproperlyConfigured("Pass either before= or after=, not both.")
        self._middleware.append((normalize(middleware), before, after))

    def middleware(self, func: H) -> H:
        """Decorator form of :meth:`add_middleware` for ``async (request, call_next)``."""
        self.add_middleware(func)
        return func

    def add_exception_handler(
        self, key: type[BaseException] | int, handler: ExceptionHandler
    ) -> None:
        """Handle exceptions of type ``key`` (most specific class wins) or status ``key``."""
        self._check_open("add an exception handler")
        self._handlers[key] = handler

    def exception_handler(self, key: type[BaseException] | int) -> Callable[[H], H]:
        """Decorator form of :meth:`add_exception_handler`."""

        def decorator(handler: H) -> H:
            self.add_exception_handler(key, handler)
            return handler

        return decorator

    def provide(
        self, annotation: Any, provider: Callable[..., Any], *, scope: ProviderScope = "request"
    ) -> None:
        """Inject ``provider``'s value into every parameter annotated with ``annotation``.

        ``scope="app"`` creates the value once for the app's life (a client pool);
        ``"request"`` once per request, shared by everything that asks for it.
        """
        self._check_open("register a provider")
        self._injector.provide(annotation, provider, scope=scope)

    def on_startup(self, hook: H) -> H:
        """Register a startup hook (sync or async, no parameters); usable as a decorator."""
        self._startup.append(hook)
        return hook

    def on_shutdown(self, hook: H) -> H:
        """Register a shutdown hook; hooks run in declaration order."""
        self._shutdown.append(hook)
        return hook

    def add_lifespan(self, factory: LifespanFactory) -> None:
        """Run ``factory(app)`` as an async context manager around the app's life."""
        self._lifespans.append(factory)

    def add_component(self, component: Component) -> None:
        """Set up a component now; its name must be unique."""
        if not isinstance(component, Component):
            raise ImproperlyConfigured(
                f"{component!r} is not a component: it needs a 'name' and a 'setup(app)' method."
            )
        if any(c.name == component.name for c in self.components):
            raise ImproperlyConfigured(f"Two components are named '{component.name}'.")
        self.components.append(component)
        component.setup(self)

    def add_command(self, command: click.Command) -> None:
        """Add a click command or group to the ``schooner`` CLI for this app."""
        self.commands.append(command)

    def add_static_dir(self, directory: str | Path, *, prefix: str = "/static") -> None:
        """Declare a folder of static files served under ``prefix``."""
        self.static_dirs.append((prefix, _existing_dir(directory)))

    def add_template_dir(self, directory: str | Path) -> None:
        """Declare a folder of templates (searched in declaration order)."""
        self.template_dirs.append(_existing_dir(directory))

    # -- building ---------------------------------------------------------------------------

    def build(self) -> None:
        """Compile routes, parameter plans and the middleware stack (once).

        Raises:
            ImproperlyConfigured: production settings are unsafe, two routes shadow each
                other, a dependency is unknown or cyclic, or middleware is misplaced.
        """
        if self._stack is not None:
            return
        # Start from scratch so that a build that failed (and was fixed) leaves nothing behind.
        self._matcher = Matcher()
        self._names = {}
        self._routes = []
        self._handler_info = {}
        self.settings.check()
        self._errors = ExceptionHandlers(self._handlers)
        if self.debug and self.settings.environment == "production":
            raise ImproperlyConfigured(
                "Debug mode is on in production: it would show tracebacks to visitors. "
                "Set SCHOONER_DEBUG=false."
            )
        self._injector.provide(type(self.settings), _constant(self.settings), scope="app")
        self._injector.provide(Settings, _constant(self.settings), scope="app")
        root = Router()
        root.routes = self.routes
        for item in root.flatten():
            if isinstance(item, Mount):
                self._add_mount(item)
            else:
                self._add_route(item)
        from schooner.staticfiles import static_apps  # the layer above http, below app

        # One StaticFiles per prefix, hashed now: a startup cost, never a per-request one.
        self._static_files = static_apps(self.static_dirs)
        for static in self._static_files:
            self._add_mount(Mount(static.prefix, static))
        self._matcher.finish()
        ordered = self._ordered_middleware()
        # Exception handlers apply just outside each route: the router and the routes use
        # them directly (no layer of their own per request), and route middleware and
        # mounted apps are wrapped in an ExceptionMiddleware.
        inner = Dispatcher(self._matcher, trailing_slash=self.trailing_slash, errors=self._errors)
        stack = build_stack(inner, ordered)
        server_errors = self._handlers.get(500) or self._handlers.get(Exception)
        self._chain = [
            "ServerErrorMiddleware",
            *(m.name for m in ordered),
            "ExceptionMiddleware",
            "Router",
        ]
        self._stack = ServerErrorMiddleware(stack, debug=self.debug, handler=server_errors)

    def _add_route(self, flat: FlatRoute) -> None:
        route = flat.route
        compiled = compile_path(flat.path, self.converters)
        options = route.options
        dependant = self._injector.plan(
            route.endpoint,
            path_params=compiled.converters.keys(),
            dependencies=(*flat.dependencies, *options.get("dependencies", ())),
        )
        endpoint: ASGIApp
        if WEBSOCKET in route.methods:
            endpoint = make_websocket_endpoint(dependant, self._injector)
        elif uses_websocket(dependant):
            raise ImproperlyConfigured(
                f"{describe(route.endpoint)} asks for a WebSocket but is an HTTP route; "
                "declare it with @app.websocket(...)."
            )
        else:
            endpoint = make_endpoint(
                dependant,
                self._injector,
                status_code=options.get("status_code"),
                headers=options.get("headers"),
                max_body_size=options.get("max_body_size", self.settings.max_body_size),
                max_upload_size=options.get("max_upload_size", self.settings.max_upload_size),
                errors=self._errors,
            )
        router_middleware = [normalize(m) for m in flat.middleware]
        app = build_stack(endpoint, router_middleware)
        if router_middleware:
            app = ExceptionMiddleware(app, self._errors)
        source = describe(route.endpoint)
        self._matcher.add(compiled, route.methods, app, source)
        name = route.name
        existing = self._names.get(name)
        if existing is not None and (
            not isinstance(existing, CompiledPath) or existing.template != compiled.template
        ):
            raise RouteConflict(
                f"Two routes are named '{name}' ({source} at {flat.path}); url_for could not tell "
                "them apart. Pass name='...' to one of the decorators."
            )
        self._names[name] = compiled
        info = RouteInfo(
            tuple(sorted(route.methods)),
            flat.path,
            name,
            source,
            tuple(m.name for m in router_middleware),
            route.endpoint,
            options,
            dependant,
            tuple(dict.fromkeys((*flat.tags, *options.get("tags", ())))),
        )
        self._routes.append(info)
        self._handler_info[id(app)] = info

    def _add_mount(self, mount: Mount) -> None:
        self._matcher.add_mount(mount.path, mount.app)
        if mount.name:
            if mount.name in self._names:
                raise RouteConflict(f"Two routes or mounts are named '{mount.name}'.")
            self._names[mount.name] = mount.path
        self._routes.append(
            RouteInfo(("*",), mount.path + "/…", mount.name or "", f"mount {mount.app!r}")
        )

    def _ordered_middleware(self) -> list[Middleware]:
        ordered: list[Middleware] = []
        pending = list(self._middleware)
        while pending:
            progress = False
            for item in list(pending):
                entry, before, after = item
                anchor = before or after
                if anchor is None:
                    ordered.append(entry)
                else:
                    names = [m.name for m in ordered]
                    if anchor not in names:
                        continue
                    index = names.index(anchor)
                    ordered.insert(index if before else index + 1, entry)
                pending.remove(item)
                progress = True
            if not progress:
                missing = ", ".join(sorted({b or a or "" for _, b, a in pending}))
                raise ImproperlyConfigured(
                    f"Middleware is positioned relative to {missing}, which is not installed."
                )
        # Secure by default: in production only the configured host names are answered, by
        # the outermost layer, unless the user placed a TrustedHostMiddleware themselves.
        from schooner.middleware.trustedhost import TrustedHostMiddleware

        if self.settings.environment == "production" and not any(
            isinstance(m.cls, type) and issubclass(m.cls, TrustedHostMiddleware) for m in ordered
        ):
            ordered.insert(
                0, Middleware(TrustedHostMiddleware, allowed_hosts=self.settings.allowed_hosts)
            )
        return ordered

    # -- introspection (CLI) ------------------------------------------------------------------

    def routes_table(self) -> list[RouteInfo]:
        """Every route and mount, for ``schooner routes`` (builds the app if needed)."""
        self.build()
        return sorted(self._routes, key=lambda info: (info.path, info.methods))

    def route_for(self, scope: Scope) -> RouteInfo | None:
        """The route that will serve this HTTP or WebSocket connection, if one matches.

        For middleware that applies per-route rules before routing happens (CSRF, security
        headers, caching, rate limits): it sees what the router will choose. ``None`` for
        404s, 405s, mounts and malformed paths (the router answers those). The answer is
        kept in the scope, so several such layers match the path once.
        """
        method = WEBSOCKET if scope["type"] == "websocket" else scope.get("method", "GET")
        key = (self, scope.get("raw_path") or scope.get("path"), method)
        cached = scope.get(_ROUTE_KEY)
        if cached is not None and cached[0] == key:
            info: RouteInfo | None = cached[1]
            return info
        info = self._find_route(scope, method)
        scope[_ROUTE_KEY] = (key, info)
        return info

    def _find_route(self, scope: Scope, method: str) -> RouteInfo | None:
        try:
            path = route_path(scope)
        except HTTPException:
            return None
        found = self._matcher.match(path)
        if found is None:
            return None
        handlers = found[0].handlers
        handler = handlers.get(method)
        if handler is None and method == "HEAD":
            handler = handlers.get("GET")
        return None if handler is None else self._handler_info.get(id(handler))

    def middleware_chain(self, path: str = "/", method: str = "GET") -> list[str]:
        """The layers a request for ``method path`` goes through, outermost first."""
        self.build()
        chain = list(self._chain)
        found = self._matcher.match(path)
        if found is None:
            mount = self._matcher.match_mount(path)
            if mount is not None:
                chain.append(f"mount {mount[0]} -> {mount[1]!r}")
            else:
                chain.append("404 Not Found")
            return chain
        entry, _ = found
        handler = entry.handlers.get(method.upper())
        if handler is None and method.upper() == "HEAD":
            handler = entry.handlers.get("GET")
        if handler is None:
            chain.append(f"405 Method Not Allowed (Allow: {entry.allow})")
            return chain
        info = self._handler_info[id(handler)]
        chain.extend(info.middleware)
        chain.append(info.handler)
        return chain

    def openapi_document(self) -> dict[str, Any]:
        """The app's OpenAPI 3.1 document (generated once, after the app is built)."""
        if self._openapi_document is None:
            from schooner.openapi._generator import build_document

            self.build()
            self._openapi_document = build_document(self, self.openapi or OpenAPI())
        return self._openapi_document

    def openapi_json(self, *, root_path: str = "") -> bytes:
        """The OpenAPI document as JSON; mounted at ``root_path``, it names that server."""
        cached = self._openapi_json.get(root_path)
        if cached is None:
            import msgspec

            document = self.openapi_document()
            if root_path and "servers" not in document:
                document = {"openapi": document["openapi"], "servers": [{"url": root_path}]} | {
                    key: value for key, value in document.items() if key != "openapi"
                }
            cached = msgspec.json.encode(document)
            self._openapi_json[root_path] = cached
        return cached

    def url_path_for(self, name: str, /, **params: Any) -> str:
        """Build the path of the route named ``name``, percent-encoding each parameter.

        For a named mount, pass the sub-path as ``path``.

        Raises:
            LookupError: no route or mount has that name.
            ValueError: parameters are missing, unknown or rejected by their converter.
        """
        self.build()
        target = self._names.get(name)
        if target is None:
            raise LookupError(f"No route is named '{name}'.")
        if isinstance(target, CompiledPath):
            return target.build(params)
        sub = str(params.pop("path", ""))
        if params:
            raise ValueError(f"Mount '{name}' takes only 'path', not {sorted(params)}.")
        return target + "/" + quote_param(sub.lstrip("/"), DEFAULT_CONVERTERS["path"])

    def static_url(self, path: str) -> str:
        """The fingerprinted URL path of a static file: ``/static/css/site.<digest>.css``.

        ``path`` is relative to a folder declared with :meth:`add_static_dir`; the first
        folder (in declaration order) that has it wins, as when serving. Like
        :meth:`url_path_for`, the result excludes the root path: behind a proxy prefix,
        prepend ``request.scope["root_path"]`` as ``Request.url_for`` does.

        Raises:
            UnknownStaticFile: no static folder had ``path`` when the app was built.
        """
        from schooner.staticfiles import static_url

        self.build()
        return static_url(self._static_files, path)

    # -- ASGI -------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection (HTTP, WebSocket or lifespan)."""
        scope["app"] = self
        if scope["type"] == "lifespan":
            # Building happens inside the lifespan so that a configuration error is
            # reported as a failed startup and stops the server.
            await self._lifespan(scope, receive, send)
            return
        stack = self._stack
        if stack is None:
            self.build()
            stack = self._stack
        await stack(scope, receive, send)  # type: ignore[misc]  # build() always sets _stack


def _constant(value: Any) -> Callable[[], Any]:
    def provider() -> Any:
        return value

    return provider


def _existing_dir(directory: str | Path) -> Path:
    path = Path(directory).resolve()
    if not path.is_dir():
        raise ImproperlyConfigured(f"Folder {str(directory)!r} does not exist.")
    return path
