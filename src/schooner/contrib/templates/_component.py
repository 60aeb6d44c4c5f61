"""The ``Templates`` component: one Jinja2 environment per app, autoescaping, helpers."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import jinja2

from schooner.contrib.templates._config import TemplatesConfig, TemplatesOptions
from schooner.contrib.templates._errors import ErrorPages
from schooner.contrib.templates._protocols import ContextProcessor, ContextProvider, TemplateFolders
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.http import HTMLResponse, Request

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["RenderObserver", "Templates"]

RenderObserver = Callable[[str, Mapping[str, Any]], None]
"""Called with a template's name and context each time one is rendered (test helpers)."""

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
        config: every option at once, e.g. a block of the project's settings.
        **options: fields of :class:`TemplatesConfig` (``context_processors``, ``globals``,
            ``filters``, ``extensions``, ``auto_reload``, ``error_pages``,
            ``async_rendering``), which win over ``config``.

    Raises:
        ImproperlyConfigured: an option is unknown or invalid, or a folder does not exist.
    """

    name = "templates"

    def __init__(
        self,
        directories: str | Path | Sequence[str | Path] | None = None,
        *,
        config: TemplatesConfig | None = None,
        **options: Unpack[TemplatesOptions],
    ) -> None:
        values: dict[str, object] = dict(options)
        if directories is not None:
            values["directories"] = directories
        self.config = TemplatesConfig.build(config, values, owner="Templates")
        self.directories = [Path(d).resolve() for d in self.config.directories]
        self._app: App | None = None
        self._env: jinja2.Environment | None = None
        self._all_processors: list[ContextProcessor] | None = None
        # Test helpers (testing.record_templates) watch renders through these.
        self._observers: list[RenderObserver] = []

    @property
    def context_processors(self) -> list[ContextProcessor]:
        """The context processors given to this component."""
        return self.config.context_processors

    @property
    def error_pages(self) -> bool:
        """Whether browsers get HTML error pages."""
        return self.config.error_pages

    @property
    def async_rendering(self) -> bool:
        """Whether templates are compiled for async rendering."""
        return self.config.async_rendering

    # -- component ----------------------------------------------------------------------------

    def setup(self, app: App) -> None:
        """Provide ``Templates`` to handlers (and to ``TemplateResponse``); serve error pages."""
        self._app = app
        app.provide(Templates, self._self, scope="app")
        if self.config.error_pages:
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
        config = self.config
        auto_reload = app.debug if config.auto_reload is None else config.auto_reload
        env = _Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in folders]),
            autoescape=_autoescape,
            enable_async=config.async_rendering,
            auto_reload=auto_reload,
            cache_size=-1,  # never evict: a site has a bounded number of templates
            extensions=config.extensions,
        )
        env.globals.update(config.globals)
        env.filters.update(config.filters)
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
        for observe in self._observers:
            observe(template.name or str(name), context)
        if self.config.async_rendering:
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
