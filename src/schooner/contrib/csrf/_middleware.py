"""``CSRFMiddleware``: origin checks on every unsafe request, the token for older browsers."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from schooner.contrib.csrf._config import CSRFConfig
from schooner.contrib.csrf._routes import CSRFPlan
from schooner.contrib.csrf._token import verify
from schooner.contrib.csrf.exceptions import CSRFCheckFailed
from schooner.contrib.sessions import get_session
from schooner.exceptions import HTTPException
from schooner.http import Request
from schooner.http.origins import TrustedOrigins, normalize_origin, own_origin
from schooner.types import ASGIApp, Receive, Scope, Send

__all__ = ["CSRFMiddleware"]

logger = logging.getLogger("schooner.csrf")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Sec-Fetch-Site values a browser sends for requests its user or the app's own pages made
# (https://www.w3.org/TR/fetch-metadata/): "none" is a typed URL or a bookmark.
SAME_ORIGIN = frozenset({"same-origin", "none"})
# Authorization schemes a browser adds by itself once the user has logged in: requests
# carrying them ride on ambient credentials like cookies do, so they are still checked.
AMBIENT_SCHEMES = frozenset({b"basic", b"digest", b"negotiate", b"ntlm"})


class CSRFMiddleware:
    """Refuse unsafe cross-site requests; ask older clients for a token on cookie routes.

    Args:
        app: the inner app.
        plan: the per-route rules (decided when the app is built).
        config: the component's options.
        trusted_origins: every trusted origin (``fnmatch`` patterns): the config's and the
            app's settings'.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        plan: CSRFPlan,
        config: CSRFConfig,
        trusted_origins: Iterable[str],
    ) -> None:
        self.app = app
        self.plan = plan
        self.field_name = config.field_name
        self.header_label = config.header_name
        self.header_name = config.header_name.lower().encode("latin-1")
        self.trusted_origins = TrustedOrigins(trusted_origins)
        self.exempt_paths = list(config.exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check unsafe HTTP requests; pass everything else through.

        A refusal (:class:`CSRFCheckFailed`, or a 413 while reading the form for its token)
        is answered with the app's exception handlers (``App.send_error``), so the layers
        outside this one see a response.
        """
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
        try:
            if problem is None and rule.token and site is None:
                # No Fetch Metadata: an older browser (or a script with a cookie jar) on a
                # cookie-authenticated route, so the origin cannot be proven: ask for the
                # token.
                request = Request(scope, receive)
                problem = self._referer_problem(scope, headers) or await self._token_problem(
                    request, headers
                )
            if problem is not None:
                logger.warning("CSRF check failed for %s %s: %s", scope["method"], path, problem)
                raise CSRFCheckFailed(problem)
        except HTTPException as exc:
            await _answer(exc, scope, receive, send)
            return
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
            if origin is not None and origin != "null" and origin in self.trusted_origins:
                return None
            return f"The request comes from another site ({origin or site}), which is not trusted."
        if origin is not None and (
            origin == "null" or not self._allowed(origin, own_origin(scope, headers.get(b"host")))
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
        if not self._allowed(
            f"{parts.scheme}://{parts.netloc}", own_origin(scope, headers.get(b"host"))
        ):
            return "The Referer is another site, which is not trusted."
        return None

    def _allowed(self, origin: str, own: str) -> bool:
        return normalize_origin(origin) == own or origin in self.trusted_origins

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


async def _answer(exc: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    """Send the app's answer to ``exc`` (raise it where there is no Schooner app)."""
    from schooner import App

    app = scope.get("app")
    if not isinstance(app, App):
        raise exc
    await app.send_error(exc, scope, receive, send)
