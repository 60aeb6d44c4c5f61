"""Security headers with strong defaults: CSP (with nonces), nosniff, framing, referrer, HSTS.

::

    app = App(components=[SecurityHeaders()])

    @app.get("/embed")
    @security_headers(frame_options=None, csp={"frame-ancestors": "https://partner.example"})
    async def embed() -> HTMLResponse: ...

Inline scripts run with a nonce: ``<script nonce="{{ csp_nonce() }}">`` in a template (or
``Annotated[str, Inject(csp_nonce)]`` in a handler) adds it to the policy of that response.
"""

from __future__ import annotations

from schooner.contrib.security._headers import (
    HeaderPolicy,
    SecurityHeaders,
    SecurityHeadersMiddleware,
    csp_nonce,
    security_headers,
)

__all__ = [
    "HeaderPolicy",
    "SecurityHeaders",
    "SecurityHeadersMiddleware",
    "csp_nonce",
    "security_headers",
]
