"""``TemplateResponse``: return a template from a handler; it is rendered when sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from schooner.exceptions import ImproperlyConfigured
from schooner.http import HTMLResponse, Request
from schooner.types import Receive, Scope, Send

__all__ = ["TemplateResponse"]


class TemplateResponse(HTMLResponse):
    """An HTML response rendered from a template by the app's ``Templates`` component.

    ::

        @app.get("/")
        async def home() -> TemplateResponse:
            return TemplateResponse("home.html", {"title": "Welcome"})

    The template is rendered (asynchronously) when the response is sent, with the same
    context as :meth:`Templates.render` — ``request``, ``url_for``, ``static_url`` and the
    context processors' values — so a handler needs no parameter to render one.

    Args:
        name: the template, or several to try in order.
        context: values for the template.
        status_code, headers: as for any response.
    """

    def __init__(
        self,
        name: str | Sequence[str],
        context: Mapping[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(b"", status_code, headers)
        self.template = name
        self.context = dict(context or {})
        # The length is known only once rendered.
        self._raw[:] = [(k, v) for k, v in self._raw if k != b"content-length"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Render the template, then send it like any HTML response."""
        from schooner import App
        from schooner.contrib.templates._component import Templates

        app = scope.get("app")
        templates = app.component(Templates) if isinstance(app, App) else None
        if templates is None:
            raise ImproperlyConfigured(
                "TemplateResponse needs the Templates component: "
                "App(components=[Templates('templates')])."
            )
        body: str = await templates.render(Request(scope, receive), self.template, self.context)
        self.body = body.encode(self.charset)
        if not (self.status_code < 200 or self.status_code in (204, 304)):
            self._raw.append((b"content-length", str(len(self.body)).encode()))
        await super().__call__(scope, receive, send)
