"""The URL of a request, assembled from the ASGI scope."""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class URL:
    """An absolute URL with typed parts.

    Built from a string (``URL("https://example.com/a?b=1")``) or from an ASGI scope
    (``URL.from_scope(scope)``), where the host comes from the ``Host`` header and falls
    back to the server address.
    """

    __slots__ = ("_parts", "_url")

    def __init__(self, url: str) -> None:
        self._url = url
        self._parts: SplitResult = urlsplit(url)

    @classmethod
    def from_scope(cls, scope: Any) -> URL:
        """Build the URL the client asked for from an ASGI HTTP or WebSocket scope."""
        scheme = scope.get("scheme", "http")
        host = None
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1")
                break
        if host is None:
            server = scope.get("server")
            if server:
                address, port = server[0], server[1]
                default = _DEFAULT_PORTS.get(scheme)
                host = address if port == default or port is None else f"{address}:{port}"
            else:
                host = "localhost"
        raw = scope.get("raw_path")
        path = (
            raw.decode("latin-1")
            if raw is not None
            else scope.get("root_path", "") + scope.get("path", "/")
        )
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"{scheme}://{host}{path}"
        if query:
            url += f"?{query}"
        return cls(url)

    @property
    def scheme(self) -> str:
        """``http``, ``https``, ``ws`` or ``wss``."""
        return self._parts.scheme

    @property
    def netloc(self) -> str:
        """Host and port as sent, e.g. ``example.com:8000``."""
        return self._parts.netloc

    @property
    def hostname(self) -> str | None:
        """The host name in lower case, without the port."""
        return self._parts.hostname

    @property
    def port(self) -> int | None:
        """The explicit port, or ``None`` when the URL uses the scheme's default."""
        return self._parts.port

    @property
    def path(self) -> str:
        """The path, still percent-encoded as the client sent it."""
        return self._parts.path

    @property
    def query(self) -> str:
        """The raw query string without the leading ``?``."""
        return self._parts.query

    @property
    def fragment(self) -> str:
        """The fragment (never sent by browsers; present only on URLs built in code)."""
        return self._parts.fragment

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is ``https`` or ``wss``."""
        return self.scheme in ("https", "wss")

    def replace(self, **parts: str) -> URL:
        """Return a copy with some of ``scheme``, ``netloc``, ``path``, ``query`` replaced."""
        return URL(urlunsplit(self._parts._replace(**parts)))

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"URL({self._url!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._url)
