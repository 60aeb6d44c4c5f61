"""Your own 500 page: a handler for status 500 runs after the error has been logged."""

from __future__ import annotations

import html

from schooner import App, HTMLResponse, Request, Response


async def server_error(request: Request, exc: Exception) -> Response:
    """Apologise, and show the request id so users can quote it."""
    request_id = html.escape(str(request.scope.get("request_id", "")))
    page = f"<h1>Something went wrong</h1><p>Reference: <code>{request_id}</code></p>"
    return HTMLResponse(page, status_code=500)


app = App(exception_handlers={500: server_error})


@app.get("/crash")
async def crash() -> None:
    """A bug."""
    raise ZeroDivisionError("division by zero")
