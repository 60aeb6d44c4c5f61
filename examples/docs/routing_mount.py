"""Mounting other apps: any ASGI app with ``mount``, any WSGI app with ``mount_wsgi``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from schooner import App, Request
from schooner.types import Receive, Scope, Send


async def legacy_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    """A bare ASGI app; it sees the full path and a ``root_path`` ending in the prefix."""
    body = f"root_path={scope['root_path']} path={scope['path']}".encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def legacy_wsgi(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], Any]
) -> Iterable[bytes]:
    """A WSGI app (Flask and Django look the same from outside); it runs in a worker thread."""
    body = f"SCRIPT_NAME={environ['SCRIPT_NAME']} PATH_INFO={environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


app = App()
app.mount("/asgi", legacy_asgi)
# Needs the wsgi extra: pip install 'schooner[wsgi]'.
app.mount_wsgi("/wsgi", legacy_wsgi, name="legacy")


@app.get("/")
async def index(request: Request) -> dict[str, str]:
    """A named mount builds URLs too: pass the sub-path as ``path``."""
    return {"legacy_report": request.url_for("legacy", path="reports/2024")}
