"""The ``CSRF`` component: a synchronizer token plus origin checks for cookie-session routes."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from schooner.contrib.csrf._token import mask, secret_of, verify
from schooner.contrib.sessions import Sessions, get_session, lazy_session
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.http import Request
from schooner.middleware import Middleware
from schooner.routing import RouteInfo, RouteTable
from schooner.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["CSRF", "CSRFExempt", "CSRFMiddleware", "csrf_exempt", "csrf_token"]

logger = logging.getLogger("schooner.csrf")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Sec-Fetch-Site values a browser sends for requests its user or the app's own pages made
# (https://www.w3.org/TR/fetch-metadata/): "none" is a typed URL or a bookmark.
SAME_ORIGIN = frozenset({"same-origin", "none"})
# Authorization schemes a browser adds by itself once the user has logged in: requests
# carrying them ride on ambient credentials like cookies do, so they are still checked.
AMBIENT_SCHEMES = frozenset({b"basic", b"digest", b"negotiate", b"ntlm"})


@dataclass(frozen=True, slots=True)
class CSRFExempt:
    """Route metadata: no CSRF check on this route (a webhook with its own signature).

    Use the ready-made instance: ``@app.post("/hooks/stripe", meta=[csrf_exempt])``.
    """


csrf_exempt = CSRFExempt()
"""Turn CSRF protection off for one route (or a router): ``meta=[csrf_exempt]``."""


async def csrf_token(request: Request) -> str:
    """The token to put in a form or a fetch header (a fresh mask of the session's secret).

    Use it as a dependency, ``token: Annotated[str, Inject(csrf_token)]``; templates have
    ``csrf_token()`` and ``csrf_input()``.

    Raises:
        ImproperlyConfigured: the app has no ``Sessions`` component.
    """
    return mask(secret_of(await get_session(request)))


@dataclass(frozen=True, slots=True)
class _Rule:
    """What one route needs: whether it is checked at all, and whether it needs a token."""

    exempt: bool
    token: bool


_UNKNOWN = _Rule(exempt=False, token=False)  # 404s, 405s, mounts: origin checks only


class _Plan:
    """The per-route rules of one app, decided once when the app is built."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.table: RouteTable | None = None
        self.rules: dict[int, _Rule] = {}

    def build(self, table: RouteTable) -> None:
        self.table = table
        self.rules = {id(route): self._rule(route) for route in table if route.endpoint}

    def _rule(self, route: RouteInfo) -> _Rule:
        # A route that reads the session (or a cookie parameter) is cookie-authenticated:
        # requests from browsers that cannot prove their origin must carry the token.
        cookies = self.sessions.reads_session(route) or route.reads("cookie")
        return _Rule(exempt=route.find(CSRFExempt) is not None, token=cookies)

    def rule_for(self, scope: Scope) -> _Rule:
        if self.table is None:  # pragma: no cover - the app builds before serving
            raise ImproperlyConfigured("CSRF's route table is not built yet.")
        route = self.table.match(scope).route
        return _UNKNOWN if route is None else self.rules.get(id(route), _UNKNOWN)


class _HiddenInput:
    """``<input type="hidden" …>`` that Jinja2 inserts unescaped (it has ``__html__``)."""

    def __init__(self, field: str, token: str) -> None:
        self.text = f'<input type="hidden" name="{field}" value="{token}">'

    def __html__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


class CSRFMiddleware:
    """Refuse unsafe cross-site requests; ask older clients for a token on cookie routes.

    Args:
        app: the inner app.
        plan: the per-route rules (decided when the app is built).
        field_name, header_name: where the token is looked for.
        trusted_origins: other origins (``fnmatch`` patterns) allowed to send requests.
        exempt_paths: path patterns never checked.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        plan: _Plan,
        field_name: str,
        header_name: str,
        trusted_origins: Iterable[str],
        exempt_paths: Iterable[str],
    ) -> None:
        self.app = app
        self.plan = plan
        self.field_name = field_name
        self.header_label = header_name
        self.header_name = header_name.lower().encode("latin-1")
        self.trusted_origins = [_normalise(o) for o in trusted_origins]
        self.exempt_paths = list(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check unsafe HTTP requests; pass everything else through."""
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in self.exempt_paths):
            await self.app(scope, receive, send)
            return
        rule = self.plan.rule_for(scope)
        headers = _headers(scope)
        if rule.exempt or _authorized(headers):
            await self.app(scope, receive, send)
            return
        site = headers.get(b"sec-fetch-site")
        problem = self._origin_problem(scope, headers, site)
        request: Request | None = None
        if problem is None and rule.token and site is None:
            # No Fetch Metadata: an older browser (or a script with a cookie jar) on a
            # cookie-authenticated route, so the origin cannot be proven: ask for the token.
            request = Request(scope, receive)
            problem = self._referer_problem(scope, headers) or await self._token_problem(
                request, headers
            )
        if problem is not None:
            logger.warning("CSRF check failed for %s %s: %s", scope["method"], path, problem)
            raise HTTPException(403, problem, title="CSRF check failed")
        await self.app(scope, request.replay_receive() if request else receive, send)

    # -- origin ----------------------------------------------------------------------------------

    def _origin_problem(
        self, scope: Scope, headers: Mapping[bytes, str], site: str | None
    ) -> str | None:
        origin = headers.get(b"origin")
        if site is not None:
            # Fetch Metadata (sent by every current browser, and impossible for a page to
            # forge) says where the request comes from.
            if site.lower() in SAME_ORIGIN:
                return None
            if origin is not None and origin != "null" and self._trusted(origin):
                return None
            return f"The request comes from another site ({origin or site}), which is not trusted."
        if origin is not None and (
            origin == "null" or not self._allowed(origin, _own_origin(scope, headers))
        ):
            return f"The request comes from another site ({origin}), which is not trusted."
        return None

    def _referer_problem(self, scope: Scope, headers: Mapping[bytes, str]) -> str | None:
        if b"origin" in headers or scope.get("scheme") != "https":
            return None
        # Browsers send Origin on cross-site unsafe requests; without one, HTTPS requests
        # must name a same-site page they were made from (OWASP's CSRF cheat sheet).
        referer = headers.get(b"referer")
        if not referer:
            return "An HTTPS form post must come with a Referer or Origin header."
        parts = urlsplit(referer)
        if not self._allowed(f"{parts.scheme}://{parts.netloc}", _own_origin(scope, headers)):
            return "The Referer is another site, which is not trusted."
        return None

    def _allowed(self, origin: str, own: str) -> bool:
        return _normalise(origin) == own or self._trusted(origin)

    def _trusted(self, origin: str) -> bool:
        origin = _normalise(origin)
        return any(fnmatch.fnmatchcase(origin, trusted) for trusted in self.trusted_origins)

    # -- token -----------------------------------------------------------------------------------

    async def _token_problem(self, request: Request, headers: Mapping[bytes, str]) -> str | None:
        secret = (await get_session(request)).get("_csrf")
        supplied = headers.get(self.header_name)
        content_type = request.content_type.lower()
        if supplied is None and content_type.startswith(FORM_TYPES):
            request.max_body_size = _limit(request, content_type.startswith("multipart/"))
            try:
                await request.body()  # kept for the handler: replayed below
                value = (await request.form()).get(self.field_name)
            except HTTPException as exc:
                if exc.status_code == 413:
                    raise  # answered as the handler would have: 413, not a CSRF failure
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


def _authorized(headers: Mapping[bytes, str]) -> bool:
    # A page cannot make a browser add an Authorization header to a cross-site request
    # (it needs a CORS preflight the app must allow), so a request carrying one is
    # authenticated by it, not by ambient cookies — except for the schemes browsers
    # replay on their own.
    value = headers.get(b"authorization")
    if not value:
        return False
    scheme = value.split(" ", 1)[0].strip().lower().encode("latin-1")
    return scheme not in AMBIENT_SCHEMES


class CSRF:
    """CSRF protection as a component: ``App(components=[Sessions(), CSRF()])``.

    Every unsafe request (POST, PUT, PATCH, DELETE) to any route is checked, unless the
    route is exempt (``meta=[csrf_exempt]``, ``exempt_paths``) or the request is
    authenticated by an ``Authorization`` header (a bearer token, an API key):

    1. **Cross-site requests are refused**, from the browser's ``Sec-Fetch-Site`` header
       (``same-origin`` passes, ``same-site`` and ``cross-site`` need a trusted origin) or,
       from browsers without it, the ``Origin`` header. API clients that send neither are
       not browsers, and pass.
    2. **Older browsers on cookie routes send the token.** When ``Sec-Fetch-Site`` is
       missing and the route reads the session (``Session``, ``Flash``, a current-user
       dependency) or a cookie parameter, the session's token must come in the
       ``csrf_token`` form field or the ``X-CSRF-Token`` header (fetch, htmx); over HTTPS
       without ``Origin``, the ``Referer`` must be the app's own.

    A failed check is a 403 problem response (an HTML page for browsers when the templates
    battery serves error pages) that says what is missing.

    Args:
        field_name: the form field that carries the token.
        header_name: the header that carries the token.
        trusted_origins: other origins allowed to send requests (``"https://*.example.com"``),
            besides the app's ``settings.trusted_origins``.
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
        """Add the middleware just inside the sessions'; read route metadata at build."""
        plan = _Plan(app.require(Sessions, by=self))
        app.on_build(plan.build)
        app.add_middleware(
            Middleware(
                CSRFMiddleware,
                plan=plan,
                field_name=self.field_name,
                header_name=self.header_name,
                trusted_origins=[*app.settings.trusted_origins, *self.trusted_origins],
                exempt_paths=self.exempt_paths,
            ),
            after="SessionMiddleware",
        )

    async def template_context(self, request: Request) -> Mapping[str, Any]:
        """Template helpers: ``csrf_token()``, ``csrf_input()`` and ``csrf_field``.

        The session is read ahead; only a page that calls a helper uses it (and varies on
        the session cookie).
        """
        use = await lazy_session(request)
        field = self.field_name

        def token() -> str:
            return mask(secret_of(use()))

        def hidden_input() -> _HiddenInput:
            return _HiddenInput(field, token())

        return {"csrf_token": token, "csrf_input": hidden_input, "csrf_field": field}
