"""Security headers: a strong default set, per-app options, per-route overrides, CSP nonces."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request
from schooner.middleware import Middleware
from schooner.routing import RouteTable
from schooner.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from schooner.app import App

__all__ = [
    "HeaderOverride",
    "SecurityHeaders",
    "SecurityHeadersMiddleware",
    "csp_nonce",
    "security_headers",
]

NONCE_KEY = "schooner.csp_nonce"

DEFAULT_CSP: dict[str, str] = {
    "default-src": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}


@dataclass(frozen=True)
class HeaderPolicy:
    """The headers to send; ``None`` leaves a header out.

    Attributes:
        csp: Content-Security-Policy directives (name → sources).
        csp_report_only: send the policy as ``Content-Security-Policy-Report-Only``.
        content_type_options: ``X-Content-Type-Options``.
        referrer_policy: ``Referrer-Policy``.
        frame_options: ``X-Frame-Options`` (for old browsers; CSP ``frame-ancestors`` is
            the modern one).
        cross_origin_opener_policy: ``Cross-Origin-Opener-Policy``.
        hsts: ``Strict-Transport-Security``, sent on HTTPS responses only.
    """

    csp: Mapping[str, str] | None = field(default_factory=lambda: dict(DEFAULT_CSP))
    csp_report_only: bool = False
    content_type_options: str | None = "nosniff"
    referrer_policy: str | None = "strict-origin-when-cross-origin"
    frame_options: str | None = "DENY"
    cross_origin_opener_policy: str | None = "same-origin"
    hsts: str | None = None

    def headers(self, scope: Scope, nonce: str | None) -> list[tuple[bytes, bytes]]:
        """The header lines for one response."""
        out: list[tuple[bytes, bytes]] = []
        if self.csp is not None:
            name = b"content-security-policy"
            if self.csp_report_only:
                name += b"-report-only"
            out.append((name, _csp(self.csp, nonce).encode("latin-1")))
        for header, value in (
            (b"x-content-type-options", self.content_type_options),
            (b"referrer-policy", self.referrer_policy),
            (b"x-frame-options", self.frame_options),
            (b"cross-origin-opener-policy", self.cross_origin_opener_policy),
        ):
            if value is not None:
                out.append((header, value.encode("latin-1")))
        if self.hsts is not None and scope.get("scheme") in ("https", "wss"):
            # RFC 6797 §7.2: browsers ignore HSTS received over plain HTTP.
            out.append((b"strict-transport-security", self.hsts.encode("latin-1")))
        return out


def _csp(directives: Mapping[str, str], nonce: str | None) -> str:
    parts = dict(directives)
    if nonce is not None:
        token = f"'nonce-{nonce}'"
        for name in ("script-src", "style-src"):
            base = parts.get(name, parts.get("default-src", "'self'"))
            parts[name] = f"{base} {token}"
    return "; ".join(f"{name} {value}".strip() for name, value in parts.items())


class _Nonce:
    """A request's nonce, made only if a template or handler asks for it."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: str | None = None

    def get(self) -> str:
        if self.value is None:
            self.value = base64.b64encode(secrets.token_bytes(16)).decode()
        return self.value


def csp_nonce(request: Request) -> str:
    """This response's CSP nonce: ``<script nonce="{{ csp_nonce() }}">`` runs inline code.

    The nonce is added to ``script-src`` and ``style-src`` only when someone asked for it.
    As a dependency: ``nonce: Annotated[str, Inject(csp_nonce)]``.
    """
    holder = request.scope.get(NONCE_KEY)
    if not isinstance(holder, _Nonce):
        raise ImproperlyConfigured("CSP nonces need the SecurityHeaders component.")
    return holder.get()


@dataclass(frozen=True)
class HeaderOverride:
    """Route metadata: changes to the security headers of a route (see :func:`security_headers`)."""

    changes: Mapping[str, Any]


def security_headers(**changes: Any) -> HeaderOverride:
    """Change one route's headers: ``meta=[security_headers(frame_options=None)]``.

    Takes the fields of the policy (``csp``, ``frame_options``, ``referrer_policy``…); a
    ``csp`` mapping replaces the app's directives named in it and keeps the others, and a
    directive set to ``None`` is removed.

    Raises:
        ImproperlyConfigured: an option is not a field of the policy.
    """
    known = set(HeaderPolicy.__dataclass_fields__)
    unknown = set(changes) - known
    if unknown:
        raise ImproperlyConfigured(
            f"security_headers() has no option {', '.join(sorted(unknown))}; "
            f"use some of {', '.join(sorted(known))}."
        )
    return HeaderOverride(dict(changes))


class _Plan:
    """The policy of each route that overrides the app's, decided when the app is built."""

    def __init__(self, policy: HeaderPolicy) -> None:
        self.policy = policy
        self.table: RouteTable | None = None
        self.per_route: dict[int, HeaderPolicy] = {}

    def build(self, table: RouteTable) -> None:
        self.table = table
        self.per_route = {}
        for route in table:
            overrides = route.find_all(HeaderOverride)
            if overrides:
                policy = self.policy
                for override in overrides:  # routers' first, the route's own last
                    policy = _apply(policy, override.changes)
                self.per_route[id(route)] = policy

    def policy_for(self, scope: Scope) -> HeaderPolicy:
        if not self.per_route or self.table is None:
            return self.policy
        route = self.table.match(scope).route
        return self.policy if route is None else self.per_route.get(id(route), self.policy)


class SecurityHeadersMiddleware:
    """Add the policy's headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, plan: _Plan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection, adding headers when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = _Nonce()
        scope[NONCE_KEY] = nonce
        policy = self.plan.policy_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                for name, value in policy.headers(scope, nonce.value):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _apply(policy: HeaderPolicy, changes: Mapping[str, Any]) -> HeaderPolicy:
    changes = dict(changes)
    csp = changes.pop("csp", ...)
    if csp is not ...:
        if csp is None:
            changes["csp"] = None
        else:
            merged = {**(policy.csp or {}), **csp}
            changes["csp"] = {k: v for k, v in merged.items() if v is not None}
    return replace(policy, **changes)


class SecurityHeaders:
    """Security headers as a component: ``App(components=[SecurityHeaders()])``.

    The defaults are strict: a Content-Security-Policy allowing only the app's own origin
    (``default-src 'self'``, no plugins, no framing, forms post only to the app),
    ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin``,
    ``X-Frame-Options: DENY``, ``Cross-Origin-Opener-Policy: same-origin``, and in
    production ``Strict-Transport-Security`` on HTTPS responses. A response that sets one
    of these headers itself keeps its own value.

    Args:
        csp: directives that replace the defaults of the same name (``None`` as a value
            removes one); ``csp=None`` sends no CSP at all.
        hsts: the ``Strict-Transport-Security`` value; by default
            ``max-age=31536000; includeSubDomains`` in production and off elsewhere.
        **options: other :class:`HeaderPolicy` fields (``frame_options=None``…).
    """

    name = "security_headers"

    def __init__(
        self,
        *,
        csp: Mapping[str, str | None] | Any | None = ...,
        hsts: str | Any | None = ...,
        **options: Any,
    ) -> None:
        unknown = set(options) - set(HeaderPolicy.__dataclass_fields__)
        if unknown:
            raise ImproperlyConfigured(f"SecurityHeaders has no option {sorted(unknown)}.")
        self.csp = csp
        self.hsts = hsts
        self.options = options

    def policy(self, app: App) -> HeaderPolicy:
        """The app-wide policy these options give for ``app``'s settings."""
        base = HeaderPolicy(**self.options)
        if self.hsts is ...:
            hsts = "max-age=31536000; includeSubDomains" if app.settings.is_production else None
        else:
            hsts = self.hsts
        base = replace(base, hsts=hsts)
        if self.csp is not ...:
            base = _apply(base, {"csp": self.csp})
        return base

    def setup(self, app: App) -> None:
        """Wrap the whole app (error responses included) and read route overrides at build."""
        plan = _Plan(self.policy(app))
        app.on_build(plan.build)
        # Outermost, outside the server-error layer: every response the app sends — a 500,
        # a host check's 400, a CSRF 403 — carries the headers, wherever this component is
        # listed.
        app.add_middleware(Middleware(SecurityHeadersMiddleware, plan=plan), outermost=True)

    def template_context(self, request: Request) -> Mapping[str, Any]:
        """Template helper: ``csp_nonce()``, this response's nonce."""
        holder = request.scope.get(NONCE_KEY)
        return {"csp_nonce": holder.get} if isinstance(holder, _Nonce) else {}
