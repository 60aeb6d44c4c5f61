"""The ``CSRF`` component: a synchronizer token plus origin checks for cookie-session routes."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from schooner.contrib.csrf._token import mask, secret_of, verify
from schooner.contrib.sessions import USES_SESSION
from schooner.contrib.sessions._component import SCOPE_KEY as SESSION_SCOPE_KEY
from schooner.di._injector import DependencyStep, walk_steps
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.http import ProblemResponse, Request
from schooner.middleware import Middleware
from schooner.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from schooner.app import App, RouteInfo

__all__ = ["CSRF", "CSRFMiddleware", "csrf_exempt", "csrf_token"]

logger = logging.getLogger("schooner.csrf")

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT = "__schooner_csrf_exempt__"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def csrf_exempt(handler: F) -> F:
    """Turn CSRF protection off for one handler (a webhook with its own signature check)."""
    setattr(handler, EXEMPT, True)
    return handler


async def csrf_token(request: Request) -> str:
    """The token to put in a form or a fetch header (a fresh mask of the session's secret).

    Use it as a dependency, ``token: Annotated[str, Inject(csrf_token)]``; templates have
    ``csrf_token()`` and ``csrf_input()``.
    """
    state = request.scope.get(SESSION_SCOPE_KEY)
    if state is None:
        raise ImproperlyConfigured("CSRF tokens live in the session: add Sessions() to the app.")
    return mask(secret_of(await state.load()))


class _HiddenInput:
    """``<input type="hidden" …>`` that Jinja2 inserts unescaped (it has ``__html__``)."""

    def __init__(self, field: str, token: str) -> None:
        self.text = f'<input type="hidden" name="{field}" value="{token}">'

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


class CSRFMiddleware:
    """Refuse unsafe requests to cookie-session routes without a valid token and origin."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        field_name: str,
        header_name: str,
        trusted_origins: Iterable[str],
        exempt_paths: Iterable[str],
    ) -> None:
        self.app = app
        self.field_name = field_name
        self.header_label = header_name
        self.header_name = header_name.lower().encode("latin-1")
        self.trusted_origins = [_normalise(o) for o in trusted_origins]
        self.exempt_paths = list(exempt_paths)
        self._protected: dict[int, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check unsafe HTTP requests; pass everything else through."""
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if not self._applies(scope) or _bearer(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        headers = _headers(scope)
        problem = self._origin_problem(scope, headers) or await self._token_problem(
            request, headers
        )
        if problem is not None:
            logger.warning(
                "CSRF check failed for %s %s: %s", scope["method"], scope["path"], problem
            )
            error = HTTPException(403, problem, title="CSRF check failed")
            await ProblemResponse(error.to_problem(), 403)(scope, receive, send)
            return
        await self.app(scope, request.replay_receive(), send)

    # -- which requests -------------------------------------------------------------------------

    def _applies(self, scope: Scope) -> bool:
        path = scope.get("path", "")
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in self.exempt_paths):
            return False
        app = scope.get("app")
        route_for = getattr(app, "route_for", None)
        info = route_for(scope) if route_for is not None else None
        if info is None:
            return False  # 404/405/mounts: the router answers, nothing runs
        key = id(info)
        if key not in self._protected:
            self._protected[key] = _uses_session(info) and not getattr(info.endpoint, EXEMPT, False)
        return self._protected[key]

    # -- origin ----------------------------------------------------------------------------------

    def _origin_problem(self, scope: Scope, headers: Mapping[bytes, str]) -> str | None:
        own = _own_origin(scope, headers)
        origin = headers.get(b"origin")
        if origin is not None:
            if origin == "null" or not self._allowed(origin, own):
                return f"The request comes from another site ({origin}), which is not trusted."
            return None
        if scope.get("scheme") == "https":
            # Browsers always send Origin on cross-site unsafe requests; without one, HTTPS
            # requests must name a same-site page they were made from (RFC 6454, OWASP).
            referer = headers.get(b"referer")
            if not referer:
                return "An HTTPS form post must come with a Referer or Origin header."
            parts = urlsplit(referer)
            if not self._allowed(f"{parts.scheme}://{parts.netloc}", own):
                return "The Referer is another site, which is not trusted."
        return None

    def _allowed(self, origin: str, own: str) -> bool:
        origin = _normalise(origin)
        if origin == own:
            return True
        return any(fnmatch.fnmatchcase(origin, trusted) for trusted in self.trusted_origins)

    # -- token -----------------------------------------------------------------------------------

    async def _token_problem(self, request: Request, headers: Mapping[bytes, str]) -> str | None:
        state = request.scope.get(SESSION_SCOPE_KEY)
        if state is None:
            raise ImproperlyConfigured("CSRF needs sessions: add Sessions() before CSRF().")
        secret = (await state.load()).get("_csrf")
        supplied = headers.get(self.header_name)
        content_type = request.content_type.lower()
        if supplied is None and content_type.startswith(FORM_TYPES):
            request.max_body_size = _limit(request, content_type.startswith("multipart/"))
            try:
                await request.body()  # kept for the handler: replayed below
                value = (await request.form()).get(self.field_name)
            except HTTPException as exc:
                if exc.status_code == 413:
                    raise
                return f"The form could not be read to find its CSRF token: {exc.detail}"
            finally:
                await request.close()
            supplied = value if isinstance(value, str) else None
        if supplied is None:
            return (
                f"The CSRF token is missing: send it in the '{self.field_name}' form field "
                f"or the {self.header_label} header."
            )
        if not verify(supplied, secret if isinstance(secret, str) else None):
            return "The CSRF token is wrong or expired; reload the page and try again."
        return None


def _limit(request: Request, multipart: bool) -> int:
    # The app's limits: a form is read here (to find the token) under the same limits the
    # handler would apply, and replayed to it.
    settings = getattr(request.scope.get("app"), "settings", None)
    name = "max_upload_size" if multipart else "max_body_size"
    return int(getattr(settings, name, request.max_body_size))


def _headers(scope: Scope) -> dict[bytes, str]:
    return {k: v.decode("latin-1") for k, v in scope.get("headers", ())}


def _own_origin(scope: Scope, headers: Mapping[bytes, str]) -> str:
    host = headers.get(b"host")
    if not host:
        server_host, port = scope.get("server") or ("", "")
        host = f"{server_host}:{port}"
    return _normalise(f"{scope.get('scheme', 'http')}://{host}")


def _normalise(origin: str) -> str:
    """Lower-case, no trailing slash, no default port (browsers omit it in Origin)."""
    origin = origin.rstrip("/").lower()
    for scheme, port in (("http://", ":80"), ("https://", ":443")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin[: -len(port)]
    return origin


def _bearer(scope: Scope) -> bool:
    # Browsers never add an Authorization header to a cross-site request on their own, so
    # a request that carries one is not riding on ambient cookies.
    for key, value in scope.get("headers", ()):
        if key == b"authorization" and value[:7].lower() == b"bearer ":
            return True
    return False


def _uses_session(info: RouteInfo) -> bool:
    if info.dependant is None:
        return False
    return any(
        isinstance(step, DependencyStep) and getattr(step.dependant.call, USES_SESSION, False)
        for step in walk_steps(info.dependant)
    )


class CSRF:
    """CSRF protection as a component: ``App(components=[Sessions(), CSRF()])``.

    Unsafe requests (POST, PUT, PATCH, DELETE) to routes that use the cookie session
    (they ask for ``Session``, ``Flash`` or a dependency built on them, such as the current
    user) must carry the session's token — in the ``csrf_token`` form field or the
    ``X-CSRF-Token`` header (for fetch and htmx) — and, over HTTPS, come from the app's own
    origin (``Origin``, else ``Referer``). A failed check is a 403 problem response that
    says what is missing. Requests with an ``Authorization: Bearer`` header are not
    checked; routes opt out explicitly with :func:`csrf_exempt` or ``exempt_paths``.

    Args:
        field_name: the form field that carries the token.
        header_name: the header that carries the token.
        trusted_origins: other origins allowed to post (``"https://*.example.com"``).
        exempt_paths: path patterns (``fnmatch``) never checked, e.g. ``"/hooks/*"``.
    """

    name = "csrf"

    def __init__(
        self,
        *,
        field_name: str = "csrf_token",
        header_name: str = "X-CSRF-Token",
        trusted_origins: Iterable[str] = (),
        exempt_paths: Iterable[str] = (),
    ) -> None:
        self.field_name = field_name
        self.header_name = header_name
        self.trusted_origins = list(trusted_origins)
        self.exempt_paths = list(exempt_paths)

    def setup(self, app: App) -> None:
        """Add the middleware just inside the sessions' and the template helpers."""
        if "sessions" not in app.extensions:
            raise ImproperlyConfigured(
                "CSRF keeps its token in the session: list Sessions() before CSRF() in "
                "App(components=[...])."
            )
        app.add_middleware(
            Middleware(
                CSRFMiddleware,
                field_name=self.field_name,
                header_name=self.header_name,
                trusted_origins=self.trusted_origins,
                exempt_paths=self.exempt_paths,
            ),
            after="SessionMiddleware",
        )
        app.extensions["csrf"] = self
        app.extensions.setdefault("template_context_processors", []).append(self._context)

    async def _context(self, request: Request) -> Mapping[str, Any]:
        state = request.scope.get(SESSION_SCOPE_KEY)
        if state is None:
            return {}
        session = await state.load()
        field = self.field_name

        def token() -> str:
            return mask(secret_of(session))

        def hidden_input() -> _HiddenInput:
            return _HiddenInput(field, token())

        return {"csrf_token": token, "csrf_input": hidden_input, "csrf_field": field}
