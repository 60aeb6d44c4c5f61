"""Reading the body yourself: ``body()``, ``json()`` and ``stream()``, all size-limited."""

from __future__ import annotations

import hashlib
from typing import Any

from schooner import App, Request

app = App()


@app.post("/echo")
async def echo(request: Request) -> bytes:
    """The raw bytes, at most ``max_body_size`` (1 MiB unless configured)."""
    return await request.body()


@app.post("/keys")
async def keys(request: Request) -> list[str]:
    """The body decoded as JSON; empty or malformed JSON is a 400."""
    data: Any = await request.json()
    return sorted(data) if isinstance(data, dict) else []


@app.post("/digest", max_upload_size=64 * 1024 * 1024)
async def digest(request: Request) -> dict[str, Any]:
    """Chunks as they arrive, never the whole body in memory; limited by ``max_upload_size``."""
    sha, size = hashlib.sha256(), 0
    async for chunk in request.stream():
        sha.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}


@app.post("/small", max_body_size=16)
async def small(request: Request) -> dict[str, int]:
    """A route with its own, smaller limit: a bigger body is refused with 413."""
    return {"size": len(await request.body())}
