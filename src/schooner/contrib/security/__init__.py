"""Security headers with strong defaults: CSP (with nonces), nosniff, framing, referrer, HSTS.

::

    app = App(components=[SecurityHeaders()])

    embed_headers = security_headers(
        frame_options=None, csp={"frame-ancestors": "https://partner.example"}
    )

    @app.get("/embed", meta=[embed_headers])
    async def embed() -> HTMLResponse: ...

The headers are added by the app's outermost layer, so every response carries them: error
pages, host-check refusals and CSRF refusals included. Options are the fields of
:class:`SecurityHeadersConfig`; the battery raises no exceptions of its own beyond
configuration errors; :mod:`schooner.contrib.security.testing` reads a response's policy.

Inline scripts run with a nonce: ``<script nonce="{{ csp_nonce() }}">`` in a template (or
``Annotated[str, Inject(csp_nonce)]`` in a handler) adds it to the policy of that response.
"""

from __future__ import annotations

from schooner.contrib.security._component import SecurityHeaders
from schooner.contrib.security._config import SecurityHeadersConfig
from schooner.contrib.security._middleware import SecurityHeadersMiddleware
from schooner.contrib.security._nonce import csp_nonce
from schooner.contrib.security._policy import HeaderPolicy
from schooner.contrib.security._routes import HeaderOverride, security_headers

__all__ = [
    "HeaderOverride",
    "HeaderPolicy",
    "SecurityHeaders",
    "SecurityHeadersConfig",
    "SecurityHeadersMiddleware",
    "csp_nonce",
    "security_headers",
]
