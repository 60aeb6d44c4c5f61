"""HTML error pages: 404, 403, 405, 500… rendered from templates for browsers.

A browser (``Accept`` names ``text/html``) gets ``errors/<status>.html``, else
``errors/error.html``, from the project's template folders first, so a project overrides any
of them; API clients keep getting ``application/problem+json``. The status, and headers such
as ``Allow`` or ``WWW-Authenticate``, are the same either way.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from schooner.exceptions import HTTPException
from schooner.http import ProblemResponse, Request, Response
from schooner.middleware.errors import request_id_of, server_error

if TYPE_CHECKING:
    from schooner.contrib.templates._component import Templates

logger = logging.getLogger("schooner.templates")


def wants_html(request: Request) -> bool:
    """Whether the client asked for HTML (browsers name ``text/html``; API clients do not)."""
    return "text/html" in request.headers.get("accept", "")


class ErrorPages:
    """The exception handlers the ``Templates`` component registers (``error_pages=True``)."""

    def __init__(self, templates: Templates) -> None:
        self.templates = templates

    async def http_error(self, request: Request, exc: HTTPException) -> Response:
        """An ``HTTPException``: an HTML page for browsers, problem details for the rest."""
        problem = exc.to_problem()
        if not wants_html(request):
            return ProblemResponse(problem, exc.status_code, exc.headers)
        return await self._page(request, exc.status_code, problem, exc.headers)

    async def server_error(self, request: Request, exc: Exception) -> Response:
        """An unhandled exception (500): an HTML page for browsers, problem details else.

        Says nothing about the error itself; the request id lets the log be found.
        """
        problem = server_error(request_id_of(request.scope)).to_problem()
        if not wants_html(request):
            return ProblemResponse(problem, 500)
        return await self._page(request, 500, problem, {})

    async def _page(
        self, request: Request, status: int, problem: dict[str, Any], headers: Any
    ) -> Response:
        names = [f"errors/{status}.html", "errors/error.html"]
        values = {
            "status": status,
            "title": problem.get("title", ""),
            "detail": problem.get("detail"),
            "problem": problem,
            "request_id": request.scope.get("request_id"),
        }
        try:
            body = await self.templates.render(request, names, values)
        except Exception:  # a broken error template must not hide the error itself
            logger.exception("The error page for %s could not be rendered", status)
            return ProblemResponse(problem, status, headers)
        return Response(body, status, headers, media_type="text/html")
