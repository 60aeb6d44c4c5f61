"""Responses: a status, headers and a body, sent as ASGI messages.

``Response`` carries bytes; ``JSONResponse``, ``HTMLResponse``, ``PlainTextResponse`` and
``RedirectResponse`` set the body and content type for you. A handler may also return a plain
value and let Schooner pick the response (see ``schooner.http.render``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

import msgspec

from schooner.datastructures import MutableHeaders
from schooner.http.cookies import SameSite, format_set_cookie
from schooner.types import RawHeaders, Receive, Scope, Send


def _enc_hook(obj: Any) -> Any:
    # pydantic models are accepted when pydantic is installed; duck-typed so core never imports it.
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    raise NotImplementedError(f"Objects of type {type(obj).__name__} are not JSON serialisable.")


json_encoder = msgspec.json.Encoder(enc_hook=_enc_hook)
"""The encoder behind :func:`encode_json` (routes call its ``encode`` directly)."""


def encode_json(value: Any) -> bytes:
    """Encode ``value`` to compact JSON bytes with msgspec (Structs, dataclasses, pydantic…)."""
    return json_encoder.encode(value)


class Response:
    """An HTTP response with a bytes (or str) body.

    Args:
        content: the body; ``str`` is encoded with ``charset``.
        status_code: the HTTP status, 200 by default.
        headers: extra headers; set more later through ``response.headers``.
        media_type: the ``Content-Type`` without charset; the class default when omitted.
    """

    media_type: ClassVar[str | None] = None
    charset: ClassVar[str] = "utf-8"

    def __init__(
        self,
        content: bytes | str | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.body = self.render(content)
        self._raw: RawHeaders = []
        self._cookies: list[dict[str, Any]] = []
        self.headers = MutableHeaders(raw=self._raw)
        if headers:
            for key, value in headers.items():
                self.headers.append(key, value)
        self._init_headers(media_type or self.media_type)

    def render(self, content: Any) -> bytes:
        """Turn ``content`` into body bytes; subclasses override this for their format."""
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode(self.charset)
        raise TypeError(f"Response content must be bytes or str, not {type(content).__name__}.")

    def _init_headers(self, media_type: str | None) -> None:
        raw = self._raw
        names = {k for k, _ in raw}
        if b"content-length" not in names and not (
            self.status_code < 200 or self.status_code in (204, 304)
        ):
            raw.append((b"content-length", str(len(self.body)).encode()))
        if media_type is not None and b"content-type" not in names:
            if media_type.startswith("text/") and "charset=" not in media_type:
                media_type += f"; charset={self.charset}"
            raw.append((b"content-type", media_type.encode("latin-1")))

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | None = None,
        expires: datetime | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool | None = None,
        httponly: bool = True,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header with safe defaults.

        Cookies are ``HttpOnly`` and ``SameSite=Lax`` unless you say otherwise. ``secure=None``
        (the default) marks the cookie ``Secure`` when the request came over HTTPS.
        """
        # Validate now so a bad name fails in the handler, not while sending.
        format_set_cookie(
            key,
            value,
            path=path,
            domain=domain,
            secure=bool(secure) or samesite == "none",
            samesite=samesite,
        )
        self._cookies.append(
            {
                "name": key,
                "value": value,
                "max_age": max_age,
                "expires": expires,
                "path": path,
                "domain": domain,
                "secure": secure,
                "httponly": httponly,
                "samesite": samesite,
                "partitioned": partitioned,
            }
        )

    def delete_cookie(self, key: str, *, path: str | None = "/", domain: str | None = None) -> None:
        """Expire cookie ``key`` in the browser (same ``path`` and ``domain`` as when set)."""
        self.set_cookie(key, "", max_age=0, path=path, domain=domain)

    def _cookie_headers(self, scope: Scope) -> RawHeaders:
        https = scope.get("scheme") in ("https", "wss")
        out: RawHeaders = []
        for cookie in self._cookies:
            options = dict(cookie)
            if options["secure"] is None:
                options["secure"] = https or options["samesite"] == "none"
            line = format_set_cookie(options.pop("name"), options.pop("value"), **options)
            out.append((b"set-cookie", line.encode("latin-1")))
        return out

    def start_message(self, scope: Scope) -> dict[str, Any]:
        """Return the ``http.response.start`` message, cookies included."""
        headers = self._raw + self._cookie_headers(scope) if self._cookies else self._raw
        return {"type": "http.response.start", "status": self.status_code, "headers": headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response (headers only for ``HEAD`` requests)."""
        await send(self.start_message(scope))
        body = b"" if scope.get("method") == "HEAD" else self.body
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code}>"


class PlainTextResponse(Response):
    """A ``text/plain; charset=utf-8`` response."""

    media_type = "text/plain"


class HTMLResponse(Response):
    """A ``text/html; charset=utf-8`` response. The content is sent as given: escape it first."""

    media_type = "text/html"


class JSONResponse(Response):
    """A JSON response; ``content`` is any value msgspec can encode.

    Structs, dataclasses, TypedDicts, dicts, lists, datetimes, UUIDs, enums and (when installed)
    pydantic models are all accepted.
    """

    media_type = "application/json"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type)

    def render(self, content: Any) -> bytes:
        """Encode ``content`` as JSON with msgspec."""
        return json_encoder.encode(content)


class ProblemResponse(JSONResponse):
    """An RFC 9457 ``application/problem+json`` response built from a problem document."""

    media_type = "application/problem+json"


class RedirectResponse(Response):
    """A redirect to ``url`` (307 by default, so the method and body are kept).

    Non-ASCII characters in ``url`` are percent-encoded; reserved characters are kept.
    """

    def __init__(
        self,
        url: str,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(b"", status_code, headers)
        self.headers["location"] = quote(url, safe=":/%#?=@[]!$&'()*+,;")
