"""Cross-Origin Resource Sharing (CORS): let chosen web origins call the app from a browser.

Browsers refuse to let a page read a response from another origin unless the response says
the page's origin may (the Fetch standard's CORS protocol). ``CORSMiddleware`` says so for
the origins you list:

* a **preflight** (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is
  answered here, without reaching the app: ``204`` with the allowed methods, headers and
  max age, or ``400`` with a text saying what was refused;
* an **actual request** from an allowed origin gets ``Access-Control-Allow-Origin`` (and
  ``-Expose-Headers``, ``-Allow-Credentials``) on its response;
* requests without ``Origin`` pass through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from schooner.exceptions import ImproperlyConfigured
from schooner.types import ASGIApp, Message, RawHeaders, Receive, Scope, Send

__all__ = ["CORSMiddleware", "merge_vary"]

# Headers a browser may send cross-origin without asking (Fetch: CORS-safelisted request
# headers); browsers still list Content-Type in a preflight when its value is not
# form-like (application/json), so it is always allowed here.
SAFELISTED_HEADERS: Final = frozenset(
    {"accept", "accept-language", "content-language", "content-type"}
)
_ORIGIN: Final = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#\s]+$")


def merge_vary(headers: RawHeaders, token: str) -> None:
    """Add ``token`` to the ``Vary`` header in place, unless it is there already or ``*``.

    An existing ``Vary`` line is extended (``Vary: Cookie, Origin``) rather than repeated.
    """
    wanted = token.lower()
    for index, (name, value) in enumerate(headers):
        if name != b"vary":
            continue
        tokens = [t.strip().lower() for t in value.decode("latin-1").split(",")]
        if "*" in tokens or wanted in tokens:
            return
        headers[index] = (name, value + b", " + token.encode("latin-1"))
        return
    headers.append((b"vary", token.encode("latin-1")))


class CORSMiddleware:
    """Answer CORS preflights and mark responses readable by the allowed origins.

    Args:
        app: the inner app.
        allow_origins: exact origins (``"https://app.example.com"``: scheme, host and port,
            no path), or ``["*"]`` for any origin.
        allow_origin_regex: a regular expression an origin must match in full, e.g.
            ``r"https://.*\\.example\\.com"``.
        allow_methods: methods a cross-origin request may use; ``["*"]`` for any.
        allow_headers: request headers it may send; ``["*"]`` for any. ``Accept``,
            ``Accept-Language``, ``Content-Language`` and ``Content-Type`` are always allowed.
        allow_credentials: let the browser send cookies and ``Authorization`` and read the
            response; refused together with ``allow_origins=["*"]``.
        expose_headers: response headers the page may read beyond the safelisted ones.
        max_age: seconds the browser may cache a preflight answer.

    Raises:
        ImproperlyConfigured: an origin is not of the form ``scheme://host[:port]``, or a
            wildcard is combined with ``allow_credentials``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Sequence[str] = (),
        allow_origin_regex: str | None = None,
        allow_methods: Sequence[str] = ("GET", "HEAD", "POST"),
        allow_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        expose_headers: Sequence[str] = (),
        max_age: int = 600,
    ) -> None:
        self.app = app
        _check_options(allow_origins, allow_credentials, expose_headers)
        self.allow_all_origins = "*" in allow_origins
        self.origins = frozenset(o.lower() for o in allow_origins if o != "*")
        self.origin_regex = re.compile(allow_origin_regex) if allow_origin_regex else None
        self.allow_all_methods = "*" in allow_methods
        self.methods = tuple(dict.fromkeys(m.upper() for m in allow_methods if m != "*"))
        self.allow_all_headers = "*" in allow_headers
        self.headers = frozenset(
            {h.lower() for h in allow_headers if h != "*"} | SAFELISTED_HEADERS
        )
        self.allow_credentials = allow_credentials
        # Without credentials and with every origin allowed, "*" serves every origin and the
        # response does not depend on which one asked.
        self.wildcard = self.allow_all_origins and not allow_credentials
        simple: RawHeaders = []
        if allow_credentials:
            simple.append((b"access-control-allow-credentials", b"true"))
        if expose_headers:
            simple.append((b"access-control-expose-headers", ", ".join(expose_headers).encode()))
        self.simple_headers = simple
        preflight: RawHeaders = [(b"access-control-max-age", str(max_age).encode())]
        if allow_credentials:
            preflight.append((b"access-control-allow-credentials", b"true"))
        if not self.allow_all_methods:
            preflight.append((b"access-control-allow-methods", ", ".join(self.methods).encode()))
        if not self.allow_all_headers:
            listed = ", ".join(sorted(self.headers)).encode()
            preflight.append((b"access-control-allow-headers", listed))
        self.preflight_headers = preflight

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether a page from ``origin`` may read responses."""
        if self.allow_all_origins:
            return True
        if origin.lower() in self.origins:
            return True
        return self.origin_regex is not None and self.origin_regex.fullmatch(origin) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin: bytes | None = None
        request_method: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                request_method = value
        if origin is None:
            await self.app(scope, receive, send)
            return
        text = origin.decode("latin-1")
        if scope["method"] == "OPTIONS" and request_method is not None:
            await self.preflight(scope, send, text, request_method.decode("latin-1"))
            return
        allowed = self.is_allowed_origin(text)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: RawHeaders = list(message.get("headers", ()))
                if allowed:
                    headers.append(
                        (b"access-control-allow-origin", b"*" if self.wildcard else origin)
                    )
                    headers.extend(self.simple_headers)
                if not self.wildcard:
                    merge_vary(headers, "Origin")
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def preflight(self, scope: Scope, send: Send, origin: str, method: str) -> None:
        """Answer a preflight request: ``204`` when allowed, ``400`` saying why not."""
        requested = ""
        for name, value in scope["headers"]:
            if name == b"access-control-request-headers":
                requested = value.decode("latin-1")
        asked = [h.strip().lower() for h in requested.split(",") if h.strip()]
        refused: list[str] = []
        if not self.is_allowed_origin(origin):
            refused.append(f"origin {origin!r} is not allowed")
        if not self.allow_all_methods and method not in self.methods:
            refused.append(f"method {method!r} is not allowed")
        bad = [h for h in asked if h not in self.headers]
        if bad and not self.allow_all_headers:
            refused.append(f"header{'s' if len(bad) > 1 else ''} {', '.join(bad)} not allowed")
        headers: RawHeaders = []
        if not self.wildcard:
            headers.append((b"vary", b"Origin"))
        if refused:
            body = ("CORS preflight refused: " + "; ".join(refused) + ".").encode()
            headers += [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ]
            await _respond(send, 400, headers, body)
            return
        headers.append((b"access-control-allow-origin", b"*" if self.wildcard else origin.encode()))
        headers.extend(self.preflight_headers)
        if self.allow_all_methods:
            headers.append((b"access-control-allow-methods", method.encode("latin-1")))
        if self.allow_all_headers and requested:
            # Echo what was asked: "*" is taken literally by browsers when credentials are on.
            headers.append((b"access-control-allow-headers", requested.encode("latin-1")))
        await _respond(send, 204, headers, b"")


async def _respond(send: Send, status: int, headers: RawHeaders, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _check_options(
    origins: Sequence[str], credentials: bool, expose_headers: Sequence[str]
) -> None:
    if isinstance(origins, str):
        raise ImproperlyConfigured(
            f"allow_origins must be a list of origins, not the string {origins!r}; "
            f"write allow_origins=[{origins!r}]."
        )
    for origin in origins:
        if origin != "*" and not _ORIGIN.match(origin.lower()):
            raise ImproperlyConfigured(
                f"CORS origin {origin!r} is not an origin: write scheme, host and optional "
                "port with no path or trailing slash, e.g. 'https://app.example.com'."
            )
    if credentials and "*" in origins:
        raise ImproperlyConfigured(
            "allow_origins=['*'] with allow_credentials=True would let every website act with "
            "your users' cookies. List the trusted origins instead (or allow_origin_regex)."
        )
    if credentials and "*" in expose_headers:
        raise ImproperlyConfigured(
            "expose_headers=['*'] is ignored by browsers when credentials are allowed; list "
            "the headers to expose."
        )
