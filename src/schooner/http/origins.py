"""Origins (RFC 6454) as browsers send them in ``Origin``, for cross-site checks.

The router compares a WebSocket handshake's origin with the app's own; the CSRF battery
does the same for unsafe requests. Both compare the normalised forms.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from schooner.types import Scope

__all__ = ["TrustedOrigins", "normalize_origin", "own_origin"]


def normalize_origin(origin: str) -> str:
    """Lower-case, no trailing slash, no default port (browsers omit it in ``Origin``)."""
    origin = origin.rstrip("/").lower()
    for scheme, port in (("http://", ":80"), ("https://", ":443")):
        if origin.startswith(scheme) and origin.endswith(port):
            return origin[: -len(port)]
    return origin


def own_origin(scope: Scope, host: str | None) -> str:
    """The normalised origin a request was addressed to: its scheme and ``Host``.

    Args:
        scope: the HTTP or WebSocket scope (``ws``/``wss`` count as ``http``/``https``).
        host: the request's ``Host`` header; without one, the server's own address.
    """
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    if not host:
        server_host, port = scope.get("server") or ("", "")
        host = f"{server_host}:{port}"
    return normalize_origin(f"{scheme}://{host}")


class TrustedOrigins:
    """Origins trusted besides the app's own: ``fnmatch`` patterns such as
    ``https://*.example.com``, normalised once; ``origin in trusted`` checks one."""

    __slots__ = ("patterns",)

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = [normalize_origin(pattern) for pattern in patterns]

    def __contains__(self, origin: object) -> bool:
        if not isinstance(origin, str):
            return False
        found = normalize_origin(origin)
        return any(fnmatch.fnmatchcase(found, pattern) for pattern in self.patterns)
