"""Trusted hosts, explicitly: answer only to your names, and send the bare domain to www."""

from __future__ import annotations

from schooner import App, Middleware
from schooner.middleware import TrustedHostMiddleware

app = App(
    middleware=[
        Middleware(
            TrustedHostMiddleware,
            allowed_hosts=["www.example.com", "*.api.example.com", "localhost"],
            www_redirect=True,
        )
    ]
)


@app.get("/")
async def home() -> dict[str, str]:
    """Served for the allowed hosts only."""
    return {"page": "home"}
