"""``ResponseCacheMiddleware``: whole GET responses of the routes that opt in, from the cache.

A shared (server-side) cache, so it follows the rules RFC 9111 sets for shared caches: a
response with ``Cache-Control: no-store``, ``private`` or ``no-cache`` is not stored, nor
one that sets a cookie; ``Vary`` splits entries by the request headers it names (``Vary: *``
is never stored); a request with ``Authorization`` only shares entries that vary on it;
``max-age``/``s-maxage`` shorten the route's TTL; a hit carries ``Age`` (§5.1).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import msgspec

from schooner.contrib.cache._routes import CachePlan, CacheResponse
from schooner.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from schooner.contrib.cache._component import Cache

__all__ = ["ResponseCacheMiddleware"]

RESPONSE_PREFIX = "r:"
UNCACHEABLE = frozenset({"no-store", "private", "no-cache"})
# Headers this layer writes itself, never stored with an entry.
OWN_HEADERS = frozenset({b"age", b"x-cache"})


class _Entry(msgspec.Struct, array_like=True):
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored: float  # wall-clock time, comparable between instances


class ResponseCacheMiddleware:
    """Answer opted-in GET/HEAD routes from the cache; store fresh responses that allow it."""

    def __init__(self, app: ASGIApp, *, cache: Cache, plan: CachePlan) -> None:
        self.app = app
        self.cache = cache
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection, from the cache when possible."""
        policy = self._policy_for(scope)
        if policy is None:
            await self.app(scope, receive, send)
            return
        headers = _request_headers(scope)
        directives = _directives(headers.get(b"cache-control", b""))
        base = _base_key(scope, headers)
        if not directives & {"no-cache", "no-store"} and b"no-cache" not in headers.get(
            b"pragma", b""
        ):
            entry = await self._lookup(base, headers)
            if entry is not None:
                await _replay(entry, scope, send)
                return
        store = scope["method"] == "GET" and "no-store" not in directives
        await self._serve(scope, receive, send, store=store, policy=policy, base=base)

    def _policy_for(self, scope: Scope) -> CacheResponse | None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        return self.plan.policy_for(scope)

    async def _lookup(self, base: str, headers: Mapping[bytes, bytes]) -> _Entry | None:
        backend = self.cache.backend
        raw_names = await backend.get(RESPONSE_PREFIX + "vary:" + base)
        if raw_names is None:
            return None
        names = msgspec.msgpack.decode(raw_names, type=list[str])
        if b"authorization" in headers and "authorization" not in names:
            return None
        raw = await backend.get(RESPONSE_PREFIX + _entry_key(base, names, headers))
        return None if raw is None else msgspec.msgpack.decode(raw, type=_Entry)

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        store: bool,
        policy: CacheResponse,
        base: str,
    ) -> None:
        start: Message | None = None
        passing = False  # streaming (or unusual) response: forwarded as it comes
        complete: _Entry | None = None

        async def capture(message: Message) -> None:
            nonlocal start, passing, complete
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None:
                headers = [*start.get("headers", ()), (b"x-cache", b"miss")]
                await send({**start, "headers": headers})
                await send(message)
                if message.get("more_body", False):
                    passing = True
                else:
                    complete = _Entry(
                        start["status"],
                        [(bytes(k), bytes(v)) for k, v in start.get("headers", ())],
                        bytes(message.get("body", b"")),
                        time.time(),
                    )
            else:
                passing = True
                if start is not None:
                    await send(start)
                await send(message)

        await self.app(scope, receive, capture)
        if store and complete is not None:
            await self._store(complete, policy, base, _request_headers(scope))

    async def _store(
        self, entry: _Entry, policy: CacheResponse, base: str, headers: Mapping[bytes, bytes]
    ) -> None:
        if entry.status not in policy.statuses:
            return
        response = _response_headers(entry.headers)
        if b"set-cookie" in response:
            return  # a cookie is meant for one visitor, never for whoever asks next
        directives = _directives(response.get(b"cache-control", b""))
        if {d.split("=", 1)[0].strip() for d in directives} & UNCACHEABLE:
            return
        names = sorted(_directives(response.get(b"vary", b"")))
        if "*" in names:
            return
        if b"authorization" in headers and "authorization" not in names:
            return  # RFC 9111 §3.5: don't share answers to authenticated requests
        ttl = _ttl(policy.ttl or self.cache.default_ttl, directives)
        if ttl is not None and ttl <= 0:
            return
        entry.headers = [(k, v) for k, v in entry.headers if k.lower() not in OWN_HEADERS]
        backend = self.cache.backend
        key = _entry_key(base, names, headers)
        await backend.set(RESPONSE_PREFIX + "vary:" + base, msgspec.msgpack.encode(names), ttl)
        await backend.set(RESPONSE_PREFIX + key, msgspec.msgpack.encode(entry), ttl)


async def _replay(entry: _Entry, scope: Scope, send: Send) -> None:
    age = max(0, int(time.time() - entry.stored))
    headers = [*entry.headers, (b"age", str(age).encode()), (b"x-cache", b"hit")]
    await send({"type": "http.response.start", "status": entry.status, "headers": headers})
    body = b"" if scope["method"] == "HEAD" else entry.body
    await send({"type": "http.response.body", "body": body})


def _request_headers(scope: Scope) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    for name, value in scope.get("headers", ()):
        found[name] = found[name] + b", " + value if name in found else value
    return found


def _response_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        key = name.lower()
        found[key] = found[key] + b", " + value if key in found else value
    return found


def _directives(value: bytes) -> set[str]:
    """Lower-case names from a comma-separated header (``max-age=60`` gives ``max-age=60``)."""
    return {part.strip().lower() for part in value.decode("latin-1").split(",") if part.strip()}


def _ttl(ttl: float | None, directives: set[str]) -> float | None:
    # s-maxage is meant for shared caches and wins over max-age (RFC 9111 §5.2.2.10).
    for name in ("s-maxage", "max-age"):
        for directive in directives:
            if directive.startswith(name + "="):
                try:
                    seconds = int(directive.split("=", 1)[1].strip('"'))
                except ValueError:
                    return 0  # unparseable: treat as stale (RFC 9111 §4.2.1)
                return seconds if ttl is None else min(ttl, seconds)
    return ttl


def _base_key(scope: Scope, headers: Mapping[bytes, bytes]) -> str:
    host = headers.get(b"host", b"").decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    url = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"
    return hashlib.sha256(f"{url}?{query}".encode()).hexdigest()


def _entry_key(base: str, names: list[str], headers: Mapping[bytes, bytes]) -> str:
    digest = hashlib.sha256(base.encode())
    for name in names:
        digest.update(b"\n" + name.encode("latin-1") + b"=" + headers.get(name.encode(), b""))
    return "entry:" + digest.hexdigest()
