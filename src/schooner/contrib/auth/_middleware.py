"""``AuthMiddleware``: makes the ``Auth`` component reachable, and enforces route guards."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from schooner.contrib.auth._identity import AUTH_KEY
from schooner.contrib.auth.exceptions import NotAuthenticated, PermissionDenied
from schooner.http import RedirectResponse, Request
from schooner.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = ["AuthMiddleware"]


class AuthMiddleware:
    """Put the ``Auth`` component in the scope; check the route's requirements first.

    A refused browser request for a page (``GET`` with ``Accept: text/html``, no token) is
    redirected to the login page with ``next`` set to the page; every other refusal is
    answered by the app's exception handlers (401/403 problem documents, or error pages).

    Args:
        app: the inner app.
        auth: the ``Auth`` component (its plan and its identification).
    """

    def __init__(self, app: ASGIApp, *, auth: Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse it when the route's requirements do not hold."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope[AUTH_KEY] = self.auth
        requirement = self.auth.plan.requirement_for(scope)
        if requirement is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            await self.auth.enforce(request, requirement)
        except (NotAuthenticated, PermissionDenied) as exc:
            if isinstance(exc, NotAuthenticated) and _is_page_request(request):
                target = self.auth.login_url(next_url=_here(scope))
                await RedirectResponse(target, 303)(scope, receive, send)
                return
            await self.auth.app.send_error(exc, scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_page_request(request: Request) -> bool:
    """A browser navigating: a GET for HTML, without API credentials."""
    return (
        request.scope["type"] == "http"
        and request.method in ("GET", "HEAD")
        and "text/html" in request.headers.get("accept", "")
        and "authorization" not in request.headers
    )


def _here(scope: Scope) -> str:
    path = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    here = quote(path, safe="/:@!$&'()*+,;=-._~%")
    return f"{here}?{query}" if query else here
