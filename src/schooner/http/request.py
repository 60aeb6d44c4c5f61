"""The HTTP request a handler receives: URL parts, headers, cookies and a lazily read body."""

from __future__ import annotations

from asyncio import CancelledError, current_task
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from schooner.datastructures import URL, Headers, QueryParams, State
from schooner.exceptions import BadRequest, HTTPException, PayloadTooLarge, SchoonerError
from schooner.http._json import decode_json
from schooner.http._sansio.query import DecodeError, parse_query_string
from schooner.http._timeouts import (
    body_timeout,
    body_watch,
    receive_within,
    timed_out,
)
from schooner.http.cookies import parse_cookie_header
from schooner.types import Message, Receive, Scope

if TYPE_CHECKING:
    from schooner.datastructures import FormData

DEFAULT_MAX_BODY_SIZE = 1024 * 1024
DEFAULT_MAX_UPLOAD_SIZE = 10 * 1024 * 1024


class ClientDisconnect(SchoonerError):
    """The client closed the connection while the body was being read.

    Not an :class:`~schooner.exceptions.HTTPException`: there is nobody left to answer.
    """


async def _empty_receive() -> Message:
    raise RuntimeError("This Request has no receive channel; its body cannot be read.")


class Request:
    """One HTTP request.

    Cheap to create: the query string, headers, cookies and body are parsed only when
    first asked for, and then cached. Reading the body enforces the size limits: a
    ``Content-Length`` over the limit is refused before anything is read, and a streamed
    body is counted as it arrives, so memory never holds more than the limit. It also
    enforces the app's ``body_timeout`` (see :func:`read_body`): a client that stalls or
    dribbles its body gets a 408.

    Args:
        scope: the ASGI HTTP scope.
        receive: the ASGI receive channel (for the body).
        max_body_size: limit for ``body()``, ``json()`` and urlencoded ``form()``.
        max_upload_size: limit for ``stream()`` and multipart ``form()``.
        body: the body, when it was already read from ``receive``.
    """

    __slots__ = (
        "_body",
        "_cookies",
        "_form",
        "_headers",
        "_json",
        "_query",
        "_receive",
        "_stream_consumed",
        "max_body_size",
        "max_upload_size",
        "scope",
    )

    def __init__(
        self,
        scope: Scope,
        receive: Receive = _empty_receive,
        *,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_upload_size: int = DEFAULT_MAX_UPLOAD_SIZE,
        body: bytes | None = None,
    ) -> None:
        self.scope = scope
        self._receive = receive
        self.max_body_size = max_body_size
        self.max_upload_size = max_upload_size
        self._body: bytes | None = body
        self._json: Any = _UNSET
        self._form: FormData | None = None
        self._headers: Headers | None = None
        self._query: QueryParams | None = None
        self._cookies: dict[str, str] | None = None
        self._stream_consumed = body is not None

    # -- URL parts -------------------------------------------------------------------------

    @property
    def method(self) -> str:
        """The HTTP method in upper case."""
        return str(self.scope["method"])

    @property
    def url(self) -> URL:
        """The full URL the client asked for."""
        return URL.from_scope(self.scope)

    @property
    def path(self) -> str:
        """The decoded path relative to the app's mount point."""
        return str(self.scope["path"])

    @property
    def path_params(self) -> dict[str, Any]:
        """Parameters matched from the route template, already converted."""
        params: dict[str, Any] = self.scope.get("path_params", {})
        return params

    @property
    def query_params(self) -> QueryParams:
        """The decoded query string, multi-valued.

        Raises:
            BadRequest: the query has invalid percent-encoding or is not UTF-8.
        """
        if self._query is None:
            try:
                self._query = QueryParams(parse_query_string(self.scope.get("query_string", b"")))
            except DecodeError as exc:
                raise BadRequest(detail=f"Malformed query string: {exc}.")
        return self._query

    @property
    def headers(self) -> Headers:
        """Request headers (case-insensitive, multi-valued)."""
        if self._headers is None:
            self._headers = Headers(raw=self.scope["headers"])
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies sent by the client (the first one wins when a name repeats)."""
        if self._cookies is None:
            header = "; ".join(self.headers.getlist("cookie"))
            self._cookies = parse_cookie_header(header) if header else {}
        return self._cookies

    @property
    def client(self) -> tuple[str, int] | None:
        """The client's ``(host, port)`` as the server saw it, or ``None`` when unknown."""
        client = self.scope.get("client")
        return (str(client[0]), int(client[1])) if client else None

    @property
    def state(self) -> State:
        """Per-request state, seeded from what the app's lifespan yielded."""
        return State(self.scope.setdefault("state", {}))

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header, or ``""``."""
        return self.headers.get("content-type", "")

    def url_for(self, name: str, /, **params: Any) -> str:
        """Build the path of a named route, including the app's mount prefix (root path).

        Raises:
            LookupError: no route has that name.
        """
        app = self.scope.get("app")
        if app is None or not hasattr(app, "url_path_for"):
            raise RuntimeError("url_for needs a request that went through a Schooner App.")
        path: str = app.url_path_for(name, **params)
        return str(self.scope.get("root_path", "")) + path

    # -- body ------------------------------------------------------------------------------

    async def stream(self) -> AsyncIterator[bytes]:
        """Yield the body in chunks as they arrive, without keeping them.

        Limited by ``max_upload_size``. If the body was already read, yields it once.

        Raises:
            PayloadTooLarge: the body is larger than the limit.
            HTTPException: 408 when the client waits longer than ``body_timeout`` between
                two chunks.
            ClientDisconnect: the client went away mid-body.
        """
        if self._body is not None:
            yield self._body
            return
        if self._stream_consumed:
            raise RuntimeError("The request body was already streamed and cannot be read again.")
        async for chunk in self._chunks(self.max_upload_size):
            yield chunk

    async def _chunks(self, limit: int) -> AsyncIterator[bytes]:
        _check_length(self.scope, limit)
        self._stream_consumed = True
        received = 0
        while True:
            # A streamed body may be large (uploads): the timeout applies to each wait for
            # the next chunk, not to the whole body.
            message = await receive_within(self.scope, self._receive)
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise _too_large(limit)
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    return
            elif message["type"] == "http.disconnect":
                raise ClientDisconnect()

    async def body(self) -> bytes:
        """Read the whole body (at most ``max_body_size`` bytes) and cache it.

        Raises:
            PayloadTooLarge: the body is larger than ``max_body_size``.
            HTTPException: 408 when the body takes longer than ``body_timeout`` to arrive.
        """
        if self._body is None:
            if self._stream_consumed:
                raise RuntimeError(
                    "The request body was already streamed and cannot be read again."
                )
            self._stream_consumed = True
            self._body = await read_body(self.scope, self._receive, self.max_body_size)
        return self._body

    async def json(self) -> Any:
        """Decode the body as JSON (cached).

        Raises:
            BadRequest: the body is empty or not valid JSON.
        """
        if self._json is _UNSET:
            body = await self.body()
            if not body:
                raise BadRequest(detail="Expected a JSON body, but the request body is empty.")
            self._json = decode_json(body, "body")
        return self._json

    async def form(self) -> FormData:
        """Parse an urlencoded or multipart form (cached); files become ``UploadFile``.

        Urlencoded forms are limited by ``max_body_size``, multipart ones by
        ``max_upload_size``; uploads are spooled to disk above 1 MiB.

        Raises:
            BadRequest: the form is malformed.
            HTTPException: 415 when the content type is not a form.
        """
        if self._form is None:
            from schooner.http._forms import parse_form

            content_type = self.content_type
            if self._body is not None:
                chunks = _replay(self._body)
            else:
                multipart = content_type.lower().startswith("multipart/")
                limit = self.max_upload_size if multipart else self.max_body_size
                chunks = self._chunks(limit)
            self._form = await parse_form(content_type, chunks)
        return self._form

    @property
    def holds_uploads(self) -> bool:
        """Whether a parsed form (which may hold uploaded files) is waiting to be closed."""
        return self._form is not None

    async def close(self) -> None:
        """Close uploaded files held by a parsed form."""
        if self._form is not None:
            await self._form.close()

    def replay_receive(self) -> Receive:
        """Return a receive channel for an inner app: replays the body if it was read here."""
        body = self._body
        if body is None:
            return self._receive
        sent = False
        receive = self._receive

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    def __repr__(self) -> str:
        return f"<Request {self.scope.get('method')} {self.scope.get('path')}>"


_UNSET: Any = object()


def _check_length(scope: Scope, limit: int) -> None:
    for name, declared in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(declared)
            except ValueError:
                raise BadRequest(detail="The Content-Length header is not a number.")
            if length > limit:
                raise _too_large(limit)
            return


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """Read a whole request body of at most ``limit`` bytes from ``receive``.

    The same as joining :meth:`Request.stream`, without an async generator: most bodies
    arrive in one message, and this is on the hot path of every JSON request.

    The whole body must arrive within the app's ``body_timeout`` (``Settings.body_timeout``,
    30 s by default): a client that sends its headers and then stalls, or dribbles the body
    a few bytes at a time, would otherwise hold a worker's connection for as long as it
    likes.

    Raises:
        PayloadTooLarge: the declared or received length is over ``limit``.
        HTTPException: 408 Request Timeout (with ``Connection: close``) when the body did not
            arrive in time.
        ClientDisconnect: the client went away mid-body.
    """
    _check_length(scope, limit)
    # receive_within() inlined around the whole read (one deadline for every chunk): this
    # is every JSON request's path.
    task = current_task()
    watch = None
    if task is not None:
        watch = body_watch()
        watch.reads[task] = (watch.ticks, scope)
        if watch.timer is None:
            watch.start()
    chunks: list[bytes] = []
    received = 0
    try:
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise _too_large(limit)
                if not message.get("more_body", False):
                    if not chunks:
                        return bytes(chunk)
                    chunks.append(chunk)
                    return b"".join(chunks)
                chunks.append(chunk)
            elif kind == "http.disconnect":
                raise ClientDisconnect()
    except CancelledError:
        # Cancelled by the watch alone (uncancel leaves nothing pending): the client is slow.
        if (
            watch is not None
            and task is not None
            and watch.timed_out(task)
            and task.uncancel() == 0
        ):
            raise timed_out(body_timeout(scope)) from None
        raise
    finally:
        if watch is not None:
            watch.reads.pop(task, None)  # type: ignore[arg-type]  # task is set with watch


async def _replay(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _too_large(limit: int) -> HTTPException:
    return PayloadTooLarge(
        detail=f"The request body is larger than the limit of {limit} bytes for this route."
    )
