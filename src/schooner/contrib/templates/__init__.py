"""Templates: Jinja2 with autoescaping always on, found in the project's and components' folders.

::

    from schooner.contrib.templates import Templates, TemplateResponse

    app = App(components=[Templates("templates")])

    @app.get("/")
    async def home() -> TemplateResponse:
        return TemplateResponse("home.html", {"title": "Welcome"})

    @app.get("/about")
    async def about(request: Request, templates: Templates) -> HTMLResponse:
        return await templates.response(request, "about.html")

Every template sees ``request``, ``url_for``, ``static_url`` and what context processors
add (flash messages, the CSRF token, the user — each from its own battery). Templates are
compiled once and cached; rendering is asynchronous.

Needs the ``templates`` extra: ``pip install 'schooner[templates]'``.
"""

from __future__ import annotations

try:
    import jinja2 as _jinja2  # noqa: F401 - only checks that the extra is installed
except ImportError:  # pragma: no cover - exercised without the extra
    from schooner.exceptions import MissingDependency

    raise MissingDependency("jinja2", "templates") from None

from schooner.contrib.templates._component import (
    ContextProcessor,
    ContextProvider,
    TemplateFolders,
    Templates,
)
from schooner.contrib.templates._response import TemplateResponse

__all__ = [
    "ContextProcessor",
    "ContextProvider",
    "TemplateFolders",
    "TemplateResponse",
    "Templates",
]
