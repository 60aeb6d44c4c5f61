"""The ``SecurityHeaders`` component: the outermost layer, its per-route plan, the nonce helper."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Unpack

from schooner.contrib.security._config import SecurityHeadersConfig, SecurityHeadersOptions
from schooner.contrib.security._middleware import SecurityHeadersMiddleware
from schooner.contrib.security._nonce import NONCE_KEY, Nonce
from schooner.contrib.security._policy import HeaderPolicy, apply_changes
from schooner.contrib.security._routes import SecurityHeadersPlan
from schooner.http import Request
from schooner.middleware import Middleware

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["SecurityHeaders"]

PRODUCTION_HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Security headers as a component: ``App(components=[SecurityHeaders()])``.

    The defaults are strict: a Content-Security-Policy allowing only the app's own origin
    (``default-src 'self'``, no plugins, no framing, forms post only to the app),
    ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin``,
    ``X-Frame-Options: DENY``, ``Cross-Origin-Opener-Policy: same-origin``, and in
    production ``Strict-Transport-Security`` on HTTPS responses. A response that sets one
    of these headers itself keeps its own value.

    Args:
        config: every option at once, e.g. a block of the project's settings.
        **options: fields of :class:`SecurityHeadersConfig` (``csp``, ``hsts``,
            ``frame_options=None`` …), which win over ``config``.

    Raises:
        ImproperlyConfigured: an option is unknown, or a value is not one browsers accept.
    """

    name = "security_headers"

    def __init__(
        self,
        *,
        config: SecurityHeadersConfig | None = None,
        **options: Unpack[SecurityHeadersOptions],
    ) -> None:
        self.config = SecurityHeadersConfig.build(config, options, owner="SecurityHeaders")

    def policy(self, app: App) -> HeaderPolicy:
        """The app-wide policy these options give for ``app``'s settings."""
        config = self.config
        hsts = config.hsts
        if hsts == "auto":
            hsts = PRODUCTION_HSTS if app.settings.is_production else None
        base = HeaderPolicy(
            csp_report_only=config.csp_report_only,
            content_type_options=config.content_type_options,
            referrer_policy=config.referrer_policy,
            frame_options=config.frame_options,
            cross_origin_opener_policy=config.cross_origin_opener_policy,
        )
        return apply_changes(replace(base, hsts=hsts), {"csp": config.csp})

    def setup(self, app: App) -> None:
        """Wrap the whole app (error responses included) and read route overrides at build."""
        plan = SecurityHeadersPlan(self.policy(app))
        app.on_build(plan.build)
        # Outermost, outside the server-error layer: every response the app sends — a 500,
        # a host check's 400, a CSRF 403 — carries the headers, wherever this component is
        # listed.
        app.add_middleware(Middleware(SecurityHeadersMiddleware, plan=plan), outermost=True)

    def template_context(self, request: Request) -> Mapping[str, Any]:
        """Template helper: ``csp_nonce()``, this response's nonce."""
        holder = request.scope.get(NONCE_KEY)
        return {"csp_nonce": holder.get} if isinstance(holder, Nonce) else {}
