"""Every exception Schooner raises, rooted at :class:`SchoonerError`.

The tree (classes defined elsewhere are named by their module)::

    SchoonerError
    ├── ImproperlyConfigured        wrong setup; the message says how to fix it
    │   └── RouteConflict           two routes would shadow each other
    ├── MissingDependency           an optional package is not installed (also ImportError)
    ├── HTTPException               turned into an RFC 9457 problem response
    │   ├── BadRequest              400
    │   ├── NotFound                404
    │   ├── MethodNotAllowed        405 (carries the Allow header)
    │   ├── PayloadTooLarge         413
    │   ├── UnsupportedMediaType    415 (with an Accept-Post / Accept-Patch hint)
    │   └── ValidationError         422, lists every failing field
    ├── http.ClientDisconnect       the client left while its body was being read
    ├── websockets.WebSocketDisconnect   the peer closed the socket (``code``, ``reason``)
    ├── websockets.WebSocketClose   raise it to close the socket with a code
    ├── staticfiles.UnknownStaticFile    no such static file (also LookupError)
    ├── cli.AppNotFound             the CLI could not find the app (also click.UsageError)
    └── testing.WebSocketRejected   the test client's handshake was refused

``HTTPError`` is another name for :class:`HTTPException`. Warnings are not errors and
stay outside the tree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar, TypedDict

__all__ = [
    "BadRequest",
    "FieldError",
    "HTTPError",
    "HTTPException",
    "ImproperlyConfigured",
    "MethodNotAllowed",
    "MissingDependency",
    "NotFound",
    "PayloadTooLarge",
    "RouteConflict",
    "SchoonerError",
    "UnsupportedMediaType",
    "ValidationError",
]


class SchoonerError(Exception):
    """Root of every exception raised by Schooner itself."""


class ImproperlyConfigured(SchoonerError):
    """The application is set up wrongly; raised at startup with a message saying how to fix it."""


class RouteConflict(ImproperlyConfigured):
    """Two routes (or two route names) would shadow each other."""


class MissingDependency(SchoonerError, ImportError):
    """An optional dependency is needed for a feature but is not installed.

    Args:
        package: the importable package that is missing.
        extra: the ``schooner[extra]`` that installs it.
    """

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"This feature needs the '{package}' package, which is not installed. "
            f"Install it with: pip install 'schooner[{extra}]'"
        )


class HTTPException(SchoonerError):
    """An error that becomes an HTTP response (``application/problem+json``, RFC 9457).

    Raise it anywhere in a handler or dependency. Subclasses set ``status_code`` as a class
    attribute, so ``raise NotFound()`` works without arguments.

    Args:
        status_code: the HTTP status; defaults to the class attribute.
        detail: a human-readable explanation specific to this occurrence.
        headers: extra response headers (e.g. ``WWW-Authenticate``).
        title: short summary of the problem type; defaults to the status phrase.
        type: a URI identifying the problem type; ``about:blank`` by default.
        extra: additional members added to the problem document.
    """

    status_code: ClassVar[int] = 500
    title: str
    detail: str | None

    def __init__(
        self,
        status_code: int | None = None,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        title: str | None = None,
        type: str = "about:blank",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        if status_code is not None:
            self.status_code = status_code  # type: ignore[misc]  # instance overrides the class default
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})
        self.title = title or _phrase(self.status_code)
        self.type = type
        self.extra: dict[str, Any] = dict(extra or {})
        super().__init__(detail or self.title)

    def to_problem(self) -> dict[str, Any]:
        """Return the RFC 9457 problem document for this error."""
        problem: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status_code,
        }
        if self.detail is not None:
            problem["detail"] = self.detail
        problem.update(self.extra)
        return problem

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, detail={self.detail!r})"


HTTPError = HTTPException


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


class _StatusError(HTTPException):
    """An HTTP error whose status is fixed by its class: ``NotFound("No such user.")``."""

    def __init__(
        self,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        title: str | None = None,
        type: str = "about:blank",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(None, detail, headers, title=title, type=type, extra=extra)


class BadRequest(_StatusError):
    """400: the request is malformed (bad JSON, bad percent-encoding, bad form data)."""

    status_code = 400


class NotFound(_StatusError):
    """404: no route matches the path."""

    status_code = 404


class MethodNotAllowed(HTTPException):
    """405: the path exists but not for this method; the ``Allow`` header lists what does."""

    status_code = 405

    def __init__(self, allowed: Sequence[str], detail: str | None = None) -> None:
        self.allowed = tuple(allowed)
        super().__init__(detail=detail, headers={"Allow": ", ".join(self.allowed)})


class PayloadTooLarge(_StatusError):
    """413: the request body is larger than the configured limit."""

    status_code = 413


class UnsupportedMediaType(_StatusError):
    """415: the body's ``Content-Type`` is not one the route reads (JSON, or a form)."""

    status_code = 415


class FieldError(TypedDict):
    """One failing field of a request: where it is, what is wrong, and its type."""

    loc: list[str | int]
    msg: str
    type: str


class ValidationError(HTTPException):
    """422: one or more request fields failed validation; ``errors`` lists every one.

    Each error has ``loc`` (e.g. ``["query", "limit"]``), ``msg`` and ``type``.
    """

    status_code = 422

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        detail = f"{count} field{'s' if count != 1 else ''} failed validation."
        super().__init__(detail=detail, extra={"errors": self.errors})
