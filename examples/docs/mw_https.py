"""HTTPS only: every http:// request is redirected to https:// with a 308."""

from __future__ import annotations

from schooner import App, Middleware
from schooner.middleware import HTTPSRedirectMiddleware, TrustedHostMiddleware

app = App(
    middleware=[
        # First, so that the redirect never points at a host the client made up.
        Middleware(TrustedHostMiddleware, allowed_hosts=["example.com"]),
        HTTPSRedirectMiddleware,
    ]
)


@app.post("/checkout")
async def checkout() -> dict[str, bool]:
    """Reached over HTTPS only; a POST to http:// is redirected and stays a POST."""
    return {"paid": True}
