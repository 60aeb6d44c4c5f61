"""``App``: the ASGI application that composes routing, middleware, DI, lifespan and components."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from schooner.components import Component
from schooner.config import Settings
from schooner.datastructures import State
from schooner.di._analysis import describe
from schooner.di._injector import Injector, uses_websocket
from schooner.di.markers import Scope as ProviderScope
from schooner.exceptions import ImproperlyConfigured
from schooner.lifespan import Hook, Lifespan, LifespanFactory
from schooner.middleware.base import Middleware, build_stack, normalize
from schooner.middleware.errors import (
    ExceptionHandler,
    ExceptionHandlers,
    ExceptionMiddleware,
    ServerErrorMiddleware,
)
from schooner.openapi._config import OpenAPI
from schooner.routing._dispatch import Dispatcher
from schooner.routing._endpoint import make_endpoint
from schooner.routing._path import compile_path
from schooner.routing._table import RouteInfo, RouteTable, TrailingSlash
from schooner.routing._websocket import make_websocket_endpoint
from schooner.routing.converters import DEFAULT_CONVERTERS, Converter
from schooner.routing.route import WEBSOCKET, Mount
from schooner.routing.router import FlatRoute, Router, RouteRegistry
from schooner.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    import click

H = TypeVar("H", bound=Callable[..., Any])
C = TypeVar("C")

BuildHook = Callable[[RouteTable], None]
"""Called with the built route table, before the middleware stack is built."""


_DEFAULT_OPENAPI = OpenAPI()


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
        self.static_dirs: list[tuple[str, Path]] = []
        self.commands: list[click.Command] = []
        self.components: list[Component] = []
        # Declared but not set up yet (App(components=[...]) sets them up in order): lets
        # require() tell "missing" from "listed too late".
        self._declared: list[Component] = []
        self.trailing_slash: TrailingSlash = trailing_slash
        self.converters: dict[str, Converter] = {**DEFAULT_CONVERTERS, **(converters or {})}
        self._middleware: list[tuple[Middleware, str | None, str | None]] = []
        self._outermost: list[Middleware] = []
        self._build_hooks: list[BuildHook] = []
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
            children=self._mounted_lifespans,
        )
        self._table = RouteTable(trailing_slash=trailing_slash)
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
        self._declared = list(components)
        for component in components:
            self.add_component(component)
        self._declared = []

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
        self,
        middleware: Any,
        *,
        before: str | None = None,
        after: str | None = None,
        outermost: bool = False,
    ) -> None:
        """Add middleware; by default it becomes the innermost app-level layer so far.

        Args:
            middleware: an ASGI middleware class, ``Middleware(cls, **options)`` or an
                ``async (request, call_next)`` function.
            before, after: place it just outside / inside the middleware with this name
                (a component uses this to declare its position).
            outermost: wrap it around everything, the server-error layer included, so it
                sees every response the app sends (500s, host-check 400s, CSRF 403s). For
                layers that only edit response headers and cannot fail, such as security
                headers; several are nested in declaration order.
        """
        self._check_open("add middleware")
        if before and after:
            raise ImproperlyConfigured("Pass either before= or after=, not both.")
        if outermost:
            if before or after:
                raise ImproperlyConfigured("An outermost layer takes no before= or after=.")
            self._outermost.append(normalize(middleware))
            return
        self._middleware.append((normalize(middleware), before, after))

    def has_middleware(self, name: str) -> bool:
        """Whether app-level middleware with this name was added (by the user or a component)."""
        declared = (entry for entry, _, _ in self._middleware)
        return any(entry.name == name for entry in (*self._outermost, *declared))

    def middleware(self, func: H) -> H:
        """Decorator form of :meth:`add_middleware` for ``async (request, call_next)``."""
        self.add_middleware(func)
        return func

    def add_exception_handler(
        self, key: type[BaseException] | int, handler: ExceptionHandler, *, replace: bool = True
    ) -> None:
        """Handle exceptions of type ``key`` (most specific class wins) or status ``key``.

        Args:
            key: an exception class, or a status code (for ``HTTPException`` and 500).
            handler: ``(request, exc) -> Response``, sync or async.
            replace: ``False`` registers it only if nothing handles ``key`` yet: a
                component offering a default (HTML error pages) leaves the user's alone.
        """
        self._check_open("add an exception handler")
        if replace or key not in self._handlers:
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

    def component(self, kind: type[C]) -> C | None:
        """The component of type ``kind`` set up so far (the first one), or ``None``."""
        for component in self.components:
            if isinstance(component, kind):
                return component
        return None

    def require(self, kind: type[C], *, by: Component) -> C:
        """The component of type ``kind``, which ``by`` needs set up before it.

        A component calls this in its ``setup`` for each component it builds on, and gets
        it typed (``sessions = app.require(Sessions, by=self)``).

        Raises:
            ImproperlyConfigured: it is missing, or listed after ``by``; the message says
                how to fix the list.
        """
        found = self.component(kind)
        if found is not None:
            return found
        needed, needing = f"{kind.__name__}()", f"{type(by).__name__}()"
        if any(isinstance(c, kind) for c in self._declared):
            raise ImproperlyConfigured(
                f"{needing} needs {needed}, which is listed after it: move {needed} before "
                f"{needing} in App(components=[...])."
            )
        raise ImproperlyConfigured(
            f"{needing} needs {needed}: add {needed} before {needing} in App(components=[...])."
        )

    def on_build(self, hook: BuildHook) -> None:
        """Call ``hook(route_table)`` when the app is built, before its middleware is.

        The place for a component to read typed route metadata (``RouteInfo.find``) and
        build its per-route tables once, so that its middleware does no lookup of its own
        per request. A hook that raises makes the build fail.
        """
        self._check_open("add a build hook")
        self._build_hooks.append(hook)

    def add_command(self, command: click.Command) -> None:
        """Add a click command or group to the ``schooner`` CLI for this app."""
        self.commands.append(command)

    def add_static_dir(self, directory: str | Path, *, prefix: str = "/static") -> None:
        """Declare a folder of static files served under ``prefix``."""
        self.static_dirs.append((prefix, _existing_dir(directory)))

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
        table = RouteTable(trailing_slash=self.trailing_slash)
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
                table.add_mount(item.path, item.app, name=item.name)
            else:
                self._add_route(table, item)
        from schooner.staticfiles import static_apps  # the layer above http, below app

        # One StaticFiles per prefix, hashed now: a startup cost, never a per-request one.
        self._static_files = static_apps(self.static_dirs)
        for static in self._static_files:
            table.add_mount(static.prefix, static)
        table.finish()
        self._table = table
        for hook in self._build_hooks:
            hook(table)
        ordered = self._ordered_middleware()
        # Exception handlers apply just outside each route: the router and the routes use
        # them directly (no layer of their own per request), and route middleware and
        # mounted apps are wrapped in an ExceptionMiddleware.
        inner = Dispatcher(
            table, errors=self._errors, trusted_origins=self.settings.trusted_origins
        )
        stack = build_stack(inner, ordered)
        server_errors = self._handlers.get(500) or self._handlers.get(Exception)
        self._chain = [
            *(m.name for m in self._outermost),
            "ServerErrorMiddleware",
            *(m.name for m in ordered),
            "ExceptionMiddleware",
            "Router",
        ]
        stack = ServerErrorMiddleware(
            stack, debug=self.debug, handler=server_errors, errors=self._errors
        )
        self._stack = build_stack(stack, self._outermost)

    def _add_route(self, table: RouteTable, flat: FlatRoute) -> None:
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
        info = RouteInfo(
            tuple(sorted(route.methods)),
            flat.path,
            flat.name,
            describe(route.endpoint),
            tuple(m.name for m in router_middleware),
            route.endpoint,
            options,
            dependant,
            tuple(dict.fromkeys((*flat.tags, *options.get("tags", ())))),
            flat.meta,
        )
        table.add_route(compiled, info, app)

    def _mounted_lifespans(self) -> list[tuple[str, Lifespan]]:
        # Called by the lifespan once this app is built: Schooner apps mounted here run
        # their lifespans inside this one's, in mount order.
        return [
            (prefix, app._lifespan) for prefix, app in self._table.mounts() if isinstance(app, App)
        ]

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

    @property
    def route_table(self) -> RouteTable:
        """The compiled routes and mounts (builds the app if needed).

        ``route_table.match(scope)`` tells middleware where the router will send a request;
        ``schooner routes`` lists ``route_table.routes``.
        """
        self.build()
        return self._table

    def middleware_chain(self, path: str = "/", method: str = "GET") -> list[str]:
        """The layers a request for ``method path`` goes through, outermost first."""
        self.build()
        return [*self._chain, *self._table.trace(path, method)]

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
        """Build the path of the route named ``name`` (``"polls:detail"`` in a namespace),
        percent-encoding each parameter.

        For a named mount, pass the sub-path as ``path``.

        Raises:
            LookupError: no route or mount has that name.
            ValueError: parameters are missing, unknown or rejected by their converter.
        """
        return self.route_table.url_path_for(name, **params)

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

    async def send_error(self, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer ``exc`` as the app's exception handlers would, from inside a middleware.

        For app-level middleware that refuses a request (a CSRF 403, a 413 while reading a
        form): the answer goes out through the layers outside it — CORS, logging, security
        headers — as a response, where raising would reach only the server-error layer.
        HTML error pages and your own handlers apply as they do to a route's errors.

        Raises:
            Exception: ``exc`` itself, when no handler answers it (it becomes a 500).
        """
        self.build()
        if not await self._errors.respond(exc, scope, receive, send):
            raise exc

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
