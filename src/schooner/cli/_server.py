"""What ``schooner serve`` adds to uvicorn: limits on request heads and slow clients.

uvicorn's httptools protocol (0.55) sets no limit on the size or number of request header
fields and no timeout until a request's headers are complete: ``timeout_keep_alive`` is
armed only after a response. A client could hold connections open forever by sending a
request head a byte at a time (or nothing at all), or make a worker buffer megabytes of
headers. :class:`LimitedHttpToolsProtocol` adds, per connection:

* ``header_timeout`` — the request line and headers must be complete within this many
  seconds of the connection opening (or of the first byte of a later request on a
  keep-alive connection); otherwise 408 (if part of a request arrived) and the connection
  is closed;
* ``max_header_size`` — bytes in the request target and header fields together (the parser
  buffers them): over it, 414 (target) or 431;
* ``max_headers`` — header fields per request: over it, 431.

Request bodies are the app's business (``Settings.body_timeout``, ``max_body_size``), so
they are limited under any server. uvicorn is imported by this module: only ``serve`` does.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import sys
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from schooner.cli._limits import ServerLimits

logger = logging.getLogger("schooner.server")

STARTUP_FAILURE = 3  # the exit status uvicorn uses when the app does not start
LINGER = 2.0  # seconds a refused connection keeps reading before it is closed


class ServeConfig(uvicorn.Config):
    """uvicorn's configuration plus :class:`ServerLimits`.

    A subclass (not attributes set on a ``Config``) so that the limits travel with the
    configuration to worker processes, which receive it pickled.
    """

    def __init__(self, app: str, *, limits: ServerLimits, **options: Any) -> None:
        super().__init__(app, http=LimitedHttpToolsProtocol, **options)
        self.limits = limits


class _Refused(Exception):
    """Raised in a parser callback to stop parsing a request that is over a limit."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with :class:`ServerLimits` on request heads.

    A limit that is crossed is answered with a problem document and ``Connection: close``,
    and logged (logger ``schooner.server``) with the client's address.
    """

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        # Underscored names: uvicorn's protocol has many attributes of its own.
        self._limits: ServerLimits = getattr(config, "limits", None) or ServerLimits()
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_pending = True  # the first request's head has not been parsed yet
        self._head_started = False  # some bytes of the pending head have arrived
        self._head_bytes = 0  # bytes of data received while the head is pending
        self._head_size = 0  # request target + header fields parsed so far
        self._header_count = 0
        self._refusal: tuple[int, str] | None = None
        self._answered = False

    # -- connection ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's head as soon as the client connects."""
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the head timer with the connection."""
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Parse ``data``, then refuse a head that grew past ``max_header_size`` unfinished.

        The parser buffers an unfinished header field itself, before any callback sees
        it, so the bytes received while the head is pending are what bounds its memory.
        """
        if self._answered:
            return  # lingering after a refusal: read and drop what the client still sends
        pending_before = self._head_pending
        super().data_received(data)
        if self._answered or self.transport.is_closing():
            return
        if pending_before and self._head_pending:  # all of `data` belonged to the head
            self._head_bytes += len(data)
            if self._head_bytes > self._limits.max_header_size:
                self._refuse_now(431, self._too_large_detail())

    # -- parser callbacks ----------------------------------------------------------------

    def on_message_begin(self) -> None:
        """A new request starts: count its head from zero and time it."""
        super().on_message_begin()
        self._head_pending = True
        self._head_started = True
        self._head_bytes = self._head_size = self._header_count = 0
        self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        """Count the request target towards ``max_header_size``."""
        super().on_url(url)
        self._head_size += len(url)
        if self._head_size > self._limits.max_header_size:
            self._refuse_in_parser(
                414, f"The request target is longer than {self._limits.max_header_size} bytes."
            )

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count one header field towards ``max_headers`` and ``max_header_size``."""
        super().on_header(name, value)
        self._header_count += 1
        self._head_size += len(name) + len(value) + 4  # ": " and CRLF
        if self._header_count > self._limits.max_headers:
            self._refuse_in_parser(
                431, f"The request has more than {self._limits.max_headers} header fields."
            )
        if self._head_size > self._limits.max_header_size:
            self._refuse_in_parser(431, self._too_large_detail())

    def on_headers_complete(self) -> None:
        """The head is complete in time: stop its clock and hand the request to the app."""
        self._head_pending = False
        self._head_started = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """Answer a parse error; for a request stopped over a limit, answer that instead."""
        if self._refusal is None:
            super().send_400_response(msg)
            return
        status, detail = self._refusal
        self._answer(status, detail)

    # -- limits --------------------------------------------------------------------------

    def _too_large_detail(self) -> str:
        return f"The request header fields are larger than {self._limits.max_header_size} bytes."

    def _refuse_in_parser(self, status: int, detail: str) -> None:
        # Raising in a callback stops the parser; uvicorn then calls send_400_response.
        self._refusal = (status, detail)
        self._log(status, detail)
        raise _Refused(detail)

    def _refuse_now(self, status: int, detail: str) -> None:
        self._log(status, detail)
        self._answer(status, detail)

    def _log(self, status: int, detail: str) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "an unknown client"
        logger.warning("Refused a request from %s with %d: %s", client, status, detail)

    def _answer(self, status: int, detail: str) -> None:
        self._cancel_head_timer()
        if self.transport.is_closing() or self._answered:
            return
        self._answered = True
        phrase = HTTPStatus(status).phrase
        problem = {"type": "about:blank", "title": phrase, "status": status, "detail": detail}
        body = json.dumps(problem).encode()
        head = [f"HTTP/1.1 {status} {phrase}\r\n".encode("latin-1")]
        defaults = self.server_state.default_headers  # Server and Date, as uvicorn sends
        head += [name + b": " + value + b"\r\n" for name, value in defaults]
        head += [
            b"content-type: application/problem+json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        # Closing a socket with unread input makes the kernel send a reset, which can
        # destroy the response before the client reads it (the client is often still
        # sending the oversized head). So, as nginx's lingering close does: signal the end
        # of the response, drop what still comes in, and close when the client does or
        # after LINGER seconds.
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER, self.transport.close)
        else:
            self.transport.close()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(
                self._limits.header_timeout, self._head_timed_out
            )

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if not self._head_started:
            # Connected but sent nothing: close quietly, as an idle keep-alive connection.
            self.transport.close()
            return
        timeout = self._limits.header_timeout
        self._refuse_now(408, f"The request headers did not arrive within {timeout:g} seconds.")


def run(config: ServeConfig) -> None:
    """Run uvicorn with ``config``: in this process, or in ``config.workers`` processes.

    What ``uvicorn.run`` does, for a configuration built here (``uvicorn.run`` builds its
    own from keyword arguments, which cannot carry the limits). Exits with status 3 when
    the app fails to start in a single-process server.
    """
    server = uvicorn.Server(config)
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        socket = config.bind_socket()
        supervisor: Any = Multiprocess
        if "target" in inspect.signature(supervisor).parameters:
            # Older uvicorn releases take the function each worker runs.
            supervisor(config, target=server.run, sockets=[socket]).run()
        else:
            supervisor(config, sockets=[socket]).run()
        return
    server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)
