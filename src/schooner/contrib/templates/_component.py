"""The ``Templates`` component: one Jinja2 environment per app, autoescaping, helpers."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import jinja2

from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.http import HTMLResponse, Request

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["ContextProcessor", "ContextProvider", "TemplateFolders", "Templates"]

ContextProcessor = Callable[[Request], Mapping[str, Any] | Awaitable[Mapping[str, Any]]]
"""``(request) -> mapping`` (sync or async): values added to every template's context."""


@runtime_checkable
class ContextProvider(Protocol):
    """A component that adds values to every template's context.

    Any component of the app with this method is one (the sessions battery adds
    ``get_flashed_messages``, CSRF ``csrf_token``, security headers ``csp_nonce``); it does
    not import this battery, and the order of the components does not matter.
    """

    def template_context(
        self, request: Request
    ) -> Mapping[str, Any] | Awaitable[Mapping[str, Any]]:
        """The values for this request (called once per rendered template)."""
        ...


@runtime_checkable
class TemplateFolders(Protocol):
    """A component that ships templates (the forms battery's macros, an admin's pages).

    Its folders are searched after the project's own, in the order of the components, so a
    project overrides a component's template by having one of the same name.
    """

    def template_folders(self) -> Sequence[Path]:
        """The folders to search, most important first."""
        ...


_DICT_ATTRIBUTES = frozenset(dir(dict))
OWN_TEMPLATES = Path(__file__).parent / "templates"


class _Environment(jinja2.Environment):
    """Jinja2's environment with a faster ``dict.key`` lookup, same semantics.

    Jinja2 reads ``row.name`` as ``getattr(row, "name")`` and, when that raises, as
    ``row["name"]``: for dicts, the usual template context, every lookup pays for an
    exception. Names that are not attributes of ``dict`` can only ever come from the item,
    so they are looked up there first; anything else goes the usual way.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _autoescape(_name: str | None) -> bool:
    # Always on: for .html and for every other name too. Templates that must not be escaped
    # (plain-text e-mails) mark the values that are safe with ``|safe`` explicitly.
    return True


class Templates:
    """Jinja2 templates as a component: ``App(components=[Templates("templates")])``.

    Templates are looked up in the folders given here first, then in the folders of the
    components that ship templates (:class:`TemplateFolders`, in the order of the
    components), so a project overrides a component's template by putting one with the same
    name in its own folder. Autoescaping is always on. Templates are compiled once and
    cached; with the app in debug mode they are reloaded when their file changes. Context
    processors may be async; templates themselves can await too with
    ``async_rendering=True``.

    Every template sees ``request``, ``url_for(name, **params)``, ``static_url(path)`` (when
    the app serves static files), what the app's :class:`ContextProvider` components add
    (flash messages, CSRF token, CSP nonce and user, from their batteries) and what the
    ``context_processors`` given here add.

    Args:
        directories: the project's template folders (one path or several).
        context_processors: ``(request) -> mapping`` callables (sync or async) whose
            results are added to every template's context.
        globals: names available in every template (functions, constants).
        filters: extra Jinja2 filters by name.
        extensions: Jinja2 extensions to load.
        auto_reload: reload changed files; defaults to the app's debug mode.
        error_pages: answer browsers' errors (404, 403, 405, 500…) with HTML pages rendered
            from ``errors/<status>.html`` or ``errors/error.html`` (the battery ships a plain
            one; put your own in your template folder); API clients keep getting problem
            details. Exception handlers you register yourself win.
        async_rendering: compile templates for async rendering, so they can call async
            functions (``{{ fetch_news() }}`` awaits a coroutine). Off by default: sync
            templates render about 1.6 times faster, and rendering never awaits I/O.
    """

    name = "templates"

    def __init__(
        self,
        directories: str | Path | Sequence[str | Path] = "templates",
        *,
        context_processors: Iterable[ContextProcessor] = (),
        globals: Mapping[str, Any] | None = None,
        filters: Mapping[str, Callable[..., Any]] | None = None,
        extensions: Sequence[str | type[jinja2.ext.Extension]] = (),
        auto_reload: bool | None = None,
        error_pages: bool = True,
        async_rendering: bool = False,
    ) -> None:
        if isinstance(directories, str | Path):
            directories = [directories]
        self.directories = [Path(d).resolve() for d in directories]
        for directory in self.directories:
            if not directory.is_dir():
                raise ImproperlyConfigured(
                    f"Template folder {str(directory)!r} does not exist. Create it, or pass "
                    "Templates(...) the folder your templates are in."
                )
        self.context_processors = list(context_processors)
        self._globals = dict(globals or {})
        self._filters = dict(filters or {})
        self._extensions = list(extensions)
        self._auto_reload = auto_reload
        self.error_pages = error_pages
        self.async_rendering = async_rendering
        self._app: App | None = None
        self._env: jinja2.Environment | None = None
        self._all_processors: list[ContextProcessor] | None = None

    # -- component ----------------------------------------------------------------------------

    def setup(self, app: App) -> None:
        """Provide ``Templates`` to handlers (and to ``TemplateResponse``); serve error pages."""
        self._app = app
        app.provide(Templates, self._self, scope="app")
        if self.error_pages:
            from schooner.contrib.templates._errors import ErrorPages

            pages = ErrorPages(self)
            # Registered only where the user has no handler of their own (theirs win, also
            # when they add one after this).
            app.add_exception_handler(HTTPException, pages.http_error, replace=False)
            app.add_exception_handler(500, pages.server_error, replace=False)

    def _self(self) -> Templates:
        return self

    @property
    def app(self) -> App:
        """The app this component was set up on."""
        if self._app is None:
            raise ImproperlyConfigured(
                "These templates are not part of an app yet: pass them to "
                "App(components=[...]) before rendering."
            )
        return self._app

    # -- the environment ------------------------------------------------------------------------

    @property
    def env(self) -> jinja2.Environment:
        """The Jinja2 environment, created on first use (after every component is set up)."""
        if self._env is None:
            self._env = self._create_env()
        return self._env

    def _create_env(self) -> jinja2.Environment:
        app = self.app
        folders = list(self.directories)
        for component in app.components:
            if isinstance(component, TemplateFolders):
                folders += [
                    f
                    for f in (Path(d).resolve() for d in component.template_folders())
                    if f not in folders
                ]
        folders.append(OWN_TEMPLATES)  # the default error pages, searched last
        auto_reload = app.debug if self._auto_reload is None else self._auto_reload
        env = _Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in folders]),
            autoescape=_autoescape,
            enable_async=self.async_rendering,
            auto_reload=auto_reload,
            cache_size=-1,  # never evict: a site has a bounded number of templates
            extensions=self._extensions,
        )
        env.globals.update(self._globals)
        env.filters.update(self._filters)
        return env

    # -- rendering ------------------------------------------------------------------------------

    async def context(self, request: Request, values: Mapping[str, Any]) -> dict[str, Any]:
        """The full context for a template: helpers, processors' values, then ``values``."""
        app = self.app
        context: dict[str, Any] = {
            "request": request,
            "url_for": request.url_for,
        }
        static_url = getattr(app, "static_url", None)
        if callable(static_url) and getattr(app, "static_dirs", None):
            root_path = str(request.scope.get("root_path", ""))
            context["static_url"] = lambda path: root_path + static_url(path)
        for processor in self._processors():
            extra = processor(request)
            if inspect.isawaitable(extra):
                extra = await extra
            context.update(extra)
        context.update(values)
        return context

    def _processors(self) -> list[ContextProcessor]:
        if self._all_processors is None:
            providers = [c for c in self.app.components if isinstance(c, ContextProvider)]
            self._all_processors = [
                *(p.template_context for p in providers),
                *self.context_processors,
            ]
        return self._all_processors

    async def render(
        self, request: Request, name: str | Sequence[str], values: Mapping[str, Any] | None = None
    ) -> str:
        """Render the template ``name`` (or the first that exists of several) to a string."""
        template = self.env.get_or_select_template(name if isinstance(name, str) else list(name))
        context = await self.context(request, values or {})
        if self.async_rendering:
            return await template.render_async(context)
        return template.render(context)

    async def response(
        self,
        request: Request,
        name: str | Sequence[str],
        values: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """Render ``name`` into an HTML response."""
        body = await self.render(request, name, values)
        return HTMLResponse(body, status_code, headers)
