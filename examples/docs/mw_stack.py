"""A typical stack of built-in middleware, in the order that works."""

from __future__ import annotations

from schooner import App, Middleware
from schooner.middleware import (
    AccessLogMiddleware,
    CORSMiddleware,
    GZipMiddleware,
    HTTPSRedirectMiddleware,
    RequestIDMiddleware,
    TrustedHostMiddleware,
)

app = App(
    middleware=[
        RequestIDMiddleware,  # the id exists before anything logs
        AccessLogMiddleware,  # times and logs everything below, refusals included
        Middleware(TrustedHostMiddleware, allowed_hosts=["example.com"]),
        HTTPSRedirectMiddleware,
        Middleware(CORSMiddleware, allow_origins=["https://app.example.com"]),
        GZipMiddleware,  # innermost: compresses what the handlers produce
    ]
)


@app.get("/")
async def index() -> dict[str, bool]:
    """Passes through every layer above."""
    return {"ok": True}
