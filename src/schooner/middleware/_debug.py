"""The development error page: a traceback as HTML for browsers, as JSON for API clients.

Only used when the app runs with ``debug`` on, and only shown to clients on this machine
(a loopback address): a development server bound to a public interface must not hand its
source code to whoever asks. Production never shows internals.
"""

from __future__ import annotations

import html
import ipaddress
import logging
import traceback

from schooner.http.response import HTMLResponse, JSONResponse, Response
from schooner.types import Scope

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem; color: #1b1f24; }}
h1 {{ color: #b42318; font-size: 1.4rem; }}
pre {{ background: #f6f8fa; padding: 1rem; overflow-x: auto; border-radius: 6px; }}
.frame {{ margin: .4rem 0; }} .where {{ color: #57606a; }} .line {{ font-family: monospace; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{method} <code>{path}</code> · request id <code>{request_id}</code></p>
<p>This page is shown because the app runs in debug mode. It is never shown in production.</p>
<h2>Traceback (most recent call last)</h2>
{frames}
<h2>Full traceback</h2>
<pre>{full}</pre>
</body></html>
"""


logger = logging.getLogger("schooner.error")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback IP address: 127.0.0.0/8, ``::1`` or ``::ffff:127.x``.

    Host names (even ``localhost``) are not addresses and give ``False``.
    """
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def debug_page_allowed(scope: Scope) -> bool:
    """Whether the debug page may be shown for this request: only to a loopback client.

    The client is ``scope["client"]``, as the server saw it (or as a trusted proxy
    reported it). A refusal is logged, so a developer who expected the page learns why.
    """
    client = scope.get("client")
    host = str(client[0]) if client else None
    if host is not None and is_loopback(host):
        return True
    logger.warning(
        "Not showing the debug page to %s: it is only shown to clients on this machine "
        "(loopback addresses); sent the plain 500 response instead.",
        host or "a client of unknown address",
    )
    return False


def _wants_html(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            return b"text/html" in value
    return False


def debug_response(scope: Scope, exc: BaseException, request_id: str) -> Response:
    """Build the debug 500 response for ``exc``."""
    frames = traceback.extract_tb(exc.__traceback__)
    title = f"{type(exc).__name__}: {exc}"
    if _wants_html(scope):
        rendered = "\n".join(
            f'<div class="frame"><span class="where">{html.escape(f.filename)}:{f.lineno} in '
            f'{html.escape(f.name)}</span><br><span class="line">{html.escape(f.line or "")}'
            "</span></div>"
            for f in frames
        )
        page = _PAGE.format(
            title=html.escape(title),
            method=html.escape(str(scope.get("method", ""))),
            path=html.escape(str(scope.get("path", ""))),
            request_id=html.escape(request_id),
            frames=rendered,
            full=html.escape("".join(traceback.format_exception(exc))),
        )
        return HTMLResponse(page, status_code=500)
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": title,
            "request_id": request_id,
            "exception": type(exc).__name__,
            "traceback": [
                {"file": f.filename, "line": f.lineno, "function": f.name, "code": f.line}
                for f in frames
            ],
        },
        status_code=500,
        media_type="application/problem+json",
    )
