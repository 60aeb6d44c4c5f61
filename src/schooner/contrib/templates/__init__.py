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

Every template sees ``request``, ``url_for``, ``static_url`` and what context providers
add (flash messages, the CSRF token, the nonce — each from its own battery, through the
:class:`ContextProvider` protocol; components ship folders through
:class:`TemplateFolders`). Templates are compiled once and cached. Options are the fields of
:class:`TemplatesConfig`; Jinja2's own errors (``TemplateNotFound``…) are not wrapped, so
the battery has no exceptions module; :mod:`schooner.contrib.templates.testing` records
what a request rendered.

Needs the ``templates`` extra: ``pip install 'schooner[templates]'``.
"""

from __future__ import annotations

try:
    import jinja2 as _jinja2  # noqa: F401 - only checks that the extra is installed
except ImportError:  # pragma: no cover - exercised without the extra
    from schooner.exceptions import MissingDependency

    raise MissingDependency("jinja2", "templates") from None

from schooner.contrib.templates._component import Templates
from schooner.contrib.templates._config import TemplatesConfig
from schooner.contrib.templates._protocols import (
    ContextProcessor,
    ContextProvider,
    TemplateFolders,
)
from schooner.contrib.templates._response import TemplateResponse

__all__ = [
    "ContextProcessor",
    "ContextProvider",
    "TemplateFolders",
    "TemplateResponse",
    "Templates",
    "TemplatesConfig",
]
