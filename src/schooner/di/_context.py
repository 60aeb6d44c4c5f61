"""Per-request resolution state: the request, the provider cache and pending cleanups."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

from schooner.concurrency import run_sync
from schooner.exceptions import BadRequest
from schooner.http._sansio.query import DecodeError, parse_query_dict
from schooner.http.request import Request, read_body
from schooner.types import Receive, Scope
from schooner.websockets import WebSocket


class RequestContext:
    """Everything resolved for one request, created by the route and dropped after it.

    Attributes:
        cache: provider → value, so a request-scoped provider runs once per request.
        cleanups: generators whose code after ``yield`` still has to run.
    """

    __slots__ = (
        "_body",
        "_query",
        "_request",
        "cache",
        "cleanups",
        "max_body_size",
        "max_upload_size",
        "receive",
        "scope",
        "websocket",
    )

    def __init__(
        self, scope: Scope, receive: Receive, *, max_body_size: int, max_upload_size: int
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.max_body_size = max_body_size
        self.max_upload_size = max_upload_size
        self.cache: dict[Callable[..., Any], Any] = {}
        self.cleanups: list[Generator[Any, None, None] | AsyncGenerator[Any, None]] = []
        self._request: Request | None = None
        self._query: dict[str, str] | None = None
        self._body: bytes | None = None
        self.websocket: WebSocket | None = None

    @property
    def needs_finish(self) -> bool:
        """Whether :meth:`finish` has work: cleanups to run or uploads to close."""
        return bool(self.cleanups) or (self._request is not None and self._request.holds_uploads)

    @property
    def request(self) -> Request:
        """The request, created on first use with this route's body limits."""
        if self._request is None:
            self._request = Request(
                self.scope,
                self.receive,
                max_body_size=self.max_body_size,
                max_upload_size=self.max_upload_size,
                body=self._body,
            )
        return self._request

    async def body(self) -> bytes:
        """The whole body (``max_body_size``), read once and shared with the request.

        Raises:
            PayloadTooLarge: the body is larger than the route's limit.
        """
        if self._request is not None:
            return await self._request.body()
        if self._body is None:
            self._body = await read_body(self.scope, self.receive, self.max_body_size)
        return self._body

    @property
    def query(self) -> dict[str, str]:
        """The query string as ``{name: last value}``, parsed once per request.

        Raises:
            BadRequest: the query has invalid percent-encoding or is not UTF-8.
        """
        if self._query is None:
            try:
                self._query = parse_query_dict(self.scope.get("query_string", b""))
            except DecodeError as exc:
                raise BadRequest(detail=f"Malformed query string: {exc}.")
        return self._query

    async def finish(self, exc: BaseException | None) -> None:
        """Run generator cleanups in reverse order; ``exc`` is thrown into each generator.

        A cleanup that raises does not stop the others; the first such error is re-raised
        after all have run (unless ``exc`` is already propagating).
        """
        error: BaseException | None = None
        while self.cleanups:
            gen = self.cleanups.pop()
            try:
                if isinstance(gen, AsyncGenerator):
                    await _close_async(gen, exc)
                else:
                    await run_sync(_close_sync, gen, exc)
            except BaseException as cleanup_error:
                if cleanup_error is not exc and error is None:
                    error = cleanup_error
        if self._request is not None:
            await self._request.close()
        if error is not None and exc is None:
            raise error


async def _close_async(gen: AsyncGenerator[Any, None], exc: BaseException | None) -> None:
    if exc is None:
        try:
            await gen.__anext__()
        except StopAsyncIteration:
            return
        await gen.aclose()
        raise RuntimeError(f"Provider {getattr(gen, '__qualname__', gen)} yielded more than once.")
    try:
        await gen.athrow(exc)
    except StopAsyncIteration:
        return
    except BaseException as raised:
        if raised is exc:
            return
        raise
    await gen.aclose()
    raise RuntimeError(f"Provider {getattr(gen, '__qualname__', gen)} yielded more than once.")


def _close_sync(gen: Generator[Any, None, None], exc: BaseException | None) -> None:
    if exc is None:
        try:
            next(gen)
        except StopIteration:
            return
        gen.close()
        raise RuntimeError(f"Provider {getattr(gen, '__qualname__', gen)} yielded more than once.")
    try:
        gen.throw(exc)
    except StopIteration:
        return
    except BaseException as raised:
        if raised is exc:
            return
        raise
    gen.close()
    raise RuntimeError(f"Provider {getattr(gen, '__qualname__', gen)} yielded more than once.")
