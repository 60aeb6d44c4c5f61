"""The ``Request``: ask for it by annotation when a typed parameter is not enough."""

from __future__ import annotations

from typing import Any

from schooner import App, Request

app = App()


@app.get("/inspect/{section}")
async def inspect_request(request: Request) -> dict[str, Any]:
    """Report what the request carries; nothing is parsed until it is asked for."""
    return {
        "method": request.method,
        "url": str(request.url),
        "path": request.path,
        "path_params": request.path_params,
        "query": request.query_params.getlist("tag"),
        "user_agent": request.headers.get("user-agent"),
        "theme": request.cookies.get("theme"),
        "client": request.client,
    }
