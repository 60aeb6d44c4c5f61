"""Answer only to the host names the app is meant to serve.

Every URL the app builds from the request (redirects, absolute links, password-reset
e-mails) starts from the ``Host`` header, which the client chooses. ``TrustedHostMiddleware``
refuses requests whose ``Host`` is not one of yours with a ``400`` problem response, so a
forged host can never end up in a link or a cache entry.

In production (``settings.environment == "production"``) the app adds this layer itself,
outermost, with ``settings.allowed_hosts``, unless you added one yourself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Final

from schooner.exceptions import BadRequest, ImproperlyConfigured
from schooner.http.response import Response
from schooner.middleware.errors import problem_response
from schooner.types import ASGIApp, Receive, Scope, Send

__all__ = ["TrustedHostMiddleware", "parse_host"]

logger = logging.getLogger("schooner.security")

# RFC 9110 §7.2 and RFC 3986 §3.2.2: a bracketed IPv6 literal or a registered name / IPv4
# address, then an optional port. Underscores are not in DNS host names but are common in
# internal names (docker services), so they are accepted.
_HOST: Final = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9._~-]+)(?::[0-9]*)?$")
_PATTERN: Final = re.compile(r"^(\*\.)?(\[[0-9a-f:.]+\]|[a-z0-9._~-]+)$")


_KNOWN_LIMIT: Final = 1024


def parse_host(value: str) -> str | None:
    """Return the host name of a ``Host`` header, lower-cased, without port or final dot.

    IPv6 literals keep their brackets (``[::1]``). Returns ``None`` for a value that is not
    a valid host.
    """
    match = _HOST.match(value.strip().lower())
    if match is None:
        return None
    host = match.group(1)
    return host[:-1] if host.endswith(".") and len(host) > 1 else host


class TrustedHostMiddleware:
    """Refuse requests whose ``Host`` header is not an allowed host name.

    Args:
        app: the inner app.
        allowed_hosts: exact names (``"example.com"``), subdomain wildcards
            (``"*.example.com"``: any subdomain, not ``example.com`` itself), IP addresses
            (``"127.0.0.1"``, ``"::1"``), or ``"*"`` for any host. Ports are ignored.
        www_redirect: when the host is not allowed but ``www.`` + host is listed (exactly,
            not through a wildcard), redirect there (``308``) instead of refusing.

    Raises:
        ImproperlyConfigured: an entry is not a host name or pattern (a URL, a port, a
            wildcard elsewhere than the first label).
    """

    def __init__(
        self, app: ASGIApp, allowed_hosts: Sequence[str], *, www_redirect: bool = False
    ) -> None:
        self.app = app
        if isinstance(allowed_hosts, str):
            raise ImproperlyConfigured(
                f"allowed_hosts must be a list of host names, not the string "
                f"{allowed_hosts!r}; write [{allowed_hosts!r}]."
            )
        self.allow_any = "*" in allowed_hosts
        self.exact: set[str] = set()
        self.suffixes: list[str] = []
        for entry in allowed_hosts:
            if entry == "*":
                continue
            name = _normalize_pattern(entry)
            if name.startswith("*."):
                self.suffixes.append(name[1:])
            else:
                self.exact.add(name)
        self.suffixes_tuple = tuple(self.suffixes)
        self.www_redirect = www_redirect
        # Host header values already found allowed: a set lookup instead of parsing on
        # every request. Only allowed values are kept, and only so many (wildcards allow
        # unboundedly many names).
        self._known: set[bytes] = set()

    def is_allowed(self, host: str) -> bool:
        """Whether the (parsed) host name is allowed."""
        return self.allow_any or host in self.exact or host.endswith(self.suffixes_tuple)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.allow_any:
            await self.app(scope, receive, send)
            return
        # A loop, not a list comprehension: this runs on every request, and the common case
        # (one Host header, seen before) needs no list at all.
        found: bytes | None = None
        count = 0
        for name, value in scope["headers"]:
            if name == b"host":
                found = value
                count += 1
        if count == 1 and found in self._known:
            await self.app(scope, receive, send)
            return
        values = [value for name, value in scope["headers"] if name == b"host"]
        host = parse_host(values[0].decode("latin-1")) if len(values) == 1 else None
        if host is not None and self.is_allowed(host):
            if len(self._known) < _KNOWN_LIMIT:
                self._known.add(values[0])
            await self.app(scope, receive, send)
            return
        response = self._refusal(scope, values, host)
        if scope["type"] == "http":
            await response(scope, receive, send)
        else:
            await _reject_websocket(scope, receive, send, response)

    def _refusal(self, scope: Scope, values: list[bytes], host: str | None) -> Response:
        if host is not None and self.www_redirect and "www." + host in self.exact:
            return _www_redirect(scope, values[0].decode("latin-1"))
        if not values:
            detail = "The request has no Host header; this server needs one to answer."
        elif len(values) > 1:
            detail = "The request has more than one Host header (RFC 9112 §3.2)."
        else:
            shown = values[0].decode("latin-1")[:100]
            detail = f"The host {shown!r} is not served here."
        logger.warning(
            "Refused %s: %s Add the host to allowed_hosts (SCHOONER_ALLOWED_HOSTS) if this app "
            "should answer to it.",
            scope.get("path"),
            detail,
        )
        return problem_response(BadRequest(detail))


def _normalize_pattern(entry: str) -> str:
    name = entry.strip().lower()
    if ":" in name and not name.startswith(("[", "*")):
        name = f"[{name}]"  # an IPv6 address written without brackets
    if name.endswith(".") and len(name) > 1:
        name = name[:-1]
    if _PATTERN.match(name) is None:
        raise ImproperlyConfigured(
            f"allowed_hosts entry {entry!r} is not a host name: write a bare name such as "
            "'example.com', a wildcard for subdomains such as '*.example.com', an IP address, "
            "or '*' (no scheme, path or port)."
        )
    return name


def _www_redirect(scope: Scope, host_header: str) -> Response:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    scheme = scope.get("scheme", "http")
    target = f"{scheme}://www.{host_header.strip()}{raw_path.decode('latin-1')}"
    if query:
        target += "?" + query.decode("latin-1")
    response = Response(b"", 308)
    response.headers["location"] = target
    return response


async def _reject_websocket(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    # With the ASGI "websocket.http.response" extension the client gets the problem
    # response; otherwise closing before accepting makes the server answer 403.
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
        return
    start = response.start_message(scope)
    await send(
        {
            "type": "websocket.http.response.start",
            "status": start["status"],
            "headers": start["headers"],
        }
    )
    await send({"type": "websocket.http.response.body", "body": response.body})
