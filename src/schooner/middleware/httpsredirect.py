"""Send every plain-HTTP request to the same URL over HTTPS.

``http://example.com/a?b=1`` is answered with ``308 Permanent Redirect`` to
``https://example.com/a?b=1``: 308 rather than 301 so that a ``POST`` stays a ``POST`` with
its body (RFC 9110 §15.4.9). Websocket handshakes on ``ws://`` are sent to ``wss://``. The
default port of the old scheme is dropped (``:80``); any other port is kept.

Behind a proxy that terminates TLS, the app only knows the request was HTTPS if the server
trusts the proxy's ``X-Forwarded-Proto`` (``schooner serve`` does for ``127.0.0.1``);
otherwise every request looks like plain HTTP and would be redirected forever.
"""

from __future__ import annotations

from typing import Final

from schooner.http.response import Response
from schooner.types import ASGIApp, Receive, Scope, Send

__all__ = ["HTTPSRedirectMiddleware", "https_url"]

_SECURE: Final = {"http": "https", "ws": "wss"}
_TYPES: Final = ("http", "websocket")


def https_url(scope: Scope) -> str:
    """The URL of this request with a secure scheme and without the default port ``80``."""
    scheme = _SECURE.get(scope.get("scheme", "http"), "https")
    host = ""
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value.decode("latin-1").strip()
            break
    if not host:
        server = scope.get("server")
        host = str(server[0]) if server else "localhost"
        if ":" in host:
            host = f"[{host}]"
    elif host.endswith(":80"):
        host = host[:-3]
    raw_path: bytes = scope.get("raw_path") or scope.get("path", "/").encode()
    url = f"{scheme}://{host}{raw_path.decode('latin-1')}"
    query: bytes = scope.get("query_string", b"")
    if query:
        url += "?" + query.decode("latin-1")
    return url


class HTTPSRedirectMiddleware:
    """Redirect ``http`` requests to ``https`` and ``ws`` handshakes to ``wss`` (308).

    Put it after (inside) ``TrustedHostMiddleware``, so the redirect never points at a host
    the client made up.

    Args:
        app: the inner app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in _TYPES or scope.get("scheme") not in _SECURE:
            await self.app(scope, receive, send)
            return
        response = Response(b"", 308)
        response.headers["location"] = https_url(scope)
        if scope["type"] == "http":
            await response(scope, receive, send)
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if "websocket.http.response" in scope.get("extensions", {}):
            start = response.start_message(scope)
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": 308,
                    "headers": start["headers"],
                }
            )
            await send({"type": "websocket.http.response.body", "body": b""})
        else:
            # Without the extension a handshake can only be refused (the server answers 403).
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
