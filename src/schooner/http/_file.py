"""File responses: a file on disk streamed in chunks, with caching and range support.

``FileResponse`` never reads the whole file into memory. It sends ``ETag`` and
``Last-Modified`` so clients can revalidate (304 Not Modified), and ``Accept-Ranges`` so they
can resume downloads or seek in media (206 Partial Content, RFC 9110 §14).
"""

from __future__ import annotations

import mimetypes
import os
import secrets
import stat
import unicodedata
from collections.abc import Mapping
from typing import Any, BinaryIO, Literal, NamedTuple
from urllib.parse import quote

from schooner.concurrency import run_sync
from schooner.datastructures import Headers
from schooner.exceptions import HTTPException, NotFound
from schooner.http._sansio.ranges import (
    RangeNotSatisfiable,
    evaluate_preconditions,
    format_http_date,
    if_range_matches,
    make_etag,
    parse_http_date,
    parse_range,
)
from schooner.http._streaming import run_until_disconnect
from schooner.http.response import ProblemResponse, Response
from schooner.types import RawHeaders, Receive, Scope, Send

# ``x.tar.gz`` is a gzip file to download, not a tar sent with ``Content-Encoding: gzip``.
_COMPRESSED_TYPES = {
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip2",
    "compress": "application/x-compress",
    "gzip": "application/gzip",
    "xz": "application/x-xz",
}
# RFC 6266 §4.3 / RFC 8187 attr-char, besides the letters and digits quote() always keeps.
_ATTR_CHARS = "!#$&+-.^_`|~"

# (prefix, first byte, last byte): the bytes to send before a slice of the file, and the slice.
_Segment = tuple[bytes, int, int]


class _Plan(NamedTuple):
    """What to send: the status and headers, then each segment, then the trailer."""

    status: int
    headers: RawHeaders
    segments: list[_Segment]
    trailer: bytes


class FileResponse(Response):
    """Send a file from disk, streamed in chunks read in the thread pool.

    The file is looked at when the response is sent, not when it is created: if it is gone by
    then the client gets a 404 problem response. ``Content-Type`` is guessed from ``filename``
    (or ``path``) unless given. The response carries ``Content-Length``, ``Last-Modified``,
    ``ETag`` and ``Accept-Ranges: bytes``; an ``ETag`` or ``Last-Modified`` passed in
    ``headers`` is used instead of the one computed from the file's metadata.

    Conditional requests are answered as RFC 9110 §13.2.2 orders: ``If-Match`` and
    ``If-Unmodified-Since`` fail with 412; ``If-None-Match`` (which takes precedence) and
    ``If-Modified-Since`` give 304 Not Modified with no body. A ``Range`` on a GET gives 206
    with one range or a ``multipart/byteranges`` body with several, 416 when no range can be
    satisfied, and the full file when ``If-Range`` no longer matches. ``HEAD`` gets the
    headers without the body.

    Args:
        path: the file to send.
        status_code: the status of a full response; conditional and range requests are only
            honoured when it is 2xx (ranges only when it is 200).
        headers: extra headers.
        media_type: the ``Content-Type``; guessed with :mod:`mimetypes` when omitted.
        filename: the name the client should save the file as; sets ``Content-Disposition``,
            with an RFC 6266 ``filename*`` when the name is not plain ASCII.
        content_disposition: ``"attachment"`` to download, ``"inline"`` to display.
        chunk_size: how many bytes to read and send at a time.
        stat_result: the file's ``os.stat()`` result, if you already have it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        filename: str | None = None,
        content_disposition: Literal["attachment", "inline"] = "attachment",
        chunk_size: int = 64 * 1024,
        stat_result: os.stat_result | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1 byte, not {chunk_size}.")
        guessed = media_type or _guess_media_type(filename or os.fspath(path))
        super().__init__(None, status_code, headers, guessed)
        # The length is only known when the file is looked at, as it is sent.
        self._raw[:] = [(k, v) for k, v in self._raw if k != b"content-length"]
        if filename is not None:
            self.headers["content-disposition"] = _disposition(content_disposition, filename)
        self.path = path
        self.filename = filename
        self.chunk_size = chunk_size
        self.stat_result = stat_result

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the file, a 304, a 206 with the requested ranges, or an error response."""
        st = self.stat_result
        if st is None:
            try:
                st = await run_sync(os.stat, self.path)
            except (FileNotFoundError, NotADirectoryError):
                st = None
        if st is None or not stat.S_ISREG(st.st_mode):
            await _problem(NotFound(), scope, receive, send)
            return
        etag = self.headers.get("etag") or make_etag(st.st_size, st.st_mtime_ns)
        last_modified = self.headers.get("last-modified") or format_http_date(st.st_mtime)
        validators: RawHeaders = [
            (name.encode(), value.encode("latin-1"))
            for name, value in (("etag", etag), ("last-modified", last_modified))
            if name not in self.headers
        ]
        request = Headers(raw=scope.get("headers", []))
        method = scope.get("method", "GET")
        modified = parse_http_date(last_modified)
        if 200 <= self.status_code < 300:
            decided = evaluate_preconditions(
                request, method=method, etag=etag, last_modified=modified
            )
            if decided == 304:
                await self._send_not_modified(scope, send, validators)
                return
            if decided == 412:
                await _problem(HTTPException(412), scope, receive, send)
                return
        try:
            ranges = self._requested_ranges(request, method, etag, modified, st.st_size)
        except RangeNotSatisfiable:
            headers = {"content-range": f"bytes */{st.st_size}"}
            await _problem(HTTPException(416, headers=headers), scope, receive, send)
            return
        plan = self._plan(ranges, st.st_size)
        plan.headers.extend(validators)
        await self._send(plan, scope, receive, send)

    def _requested_ranges(
        self, request: Headers, method: str, etag: str, modified: int | None, size: int
    ) -> list[tuple[int, int]] | None:
        # RFC 9110 §14.2: range handling is only defined for GET.
        header = request.get("range")
        if header is None or method != "GET" or self.status_code != 200:
            return None
        if self.headers.get("accept-ranges", "bytes").lower() != "bytes":
            return None
        if_range = request.get("if-range")
        if if_range is not None and not if_range_matches(
            if_range, etag=etag, last_modified=modified
        ):
            return None
        return parse_range(header, size)

    def _plan(self, ranges: list[tuple[int, int]] | None, size: int) -> _Plan:
        headers = [(k, v) for k, v in self._raw if k != b"content-length"]
        if b"accept-ranges" not in {k for k, _ in headers}:
            headers.append((b"accept-ranges", b"bytes"))
        if ranges is None:
            segments: list[_Segment] = [(b"", 0, size - 1)]
            trailer, status = b"", self.status_code
        elif len(ranges) == 1:
            (start, end), status = ranges[0], 206
            segments, trailer = [(b"", start, end)], b""
            headers.append((b"content-range", f"bytes {start}-{end}/{size}".encode()))
        else:
            status = 206
            boundary = secrets.token_hex(16)
            part_type = self.headers.get("content-type")
            segments = [
                (_part_head(boundary, part_type, start, end, size, first=i == 0), start, end)
                for i, (start, end) in enumerate(ranges)
            ]
            trailer = f"\r\n--{boundary}--\r\n".encode()
            headers = [(k, v) for k, v in headers if k != b"content-type"]
            content_type = f"multipart/byteranges; boundary={boundary}"
            headers.append((b"content-type", content_type.encode()))
        length = sum(len(head) + end - start + 1 for head, start, end in segments) + len(trailer)
        headers.append((b"content-length", str(length).encode()))
        return _Plan(status, headers, segments, trailer)

    async def _send(self, plan: _Plan, scope: Scope, receive: Receive, send: Send) -> None:
        start = {
            "type": "http.response.start",
            "status": plan.status,
            "headers": plan.headers + self._cookie_headers(scope),
        }
        if scope.get("method") == "HEAD":
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        try:
            file = await run_sync(_open, self.path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            await _problem(NotFound(), scope, receive, send)
            return
        await run_until_disconnect(self._send_body(file, send, start, plan), receive)

    async def _send_body(
        self, file: BinaryIO, send: Send, start_message: dict[str, Any], plan: _Plan
    ) -> None:
        try:
            await send(start_message)
            for head, start, end in plan.segments:
                if head:
                    await send({"type": "http.response.body", "body": head, "more_body": True})
                offset = start
                while offset <= end:
                    size = min(self.chunk_size, end - offset + 1)
                    chunk = await run_sync(_read_at, file, offset, size)
                    if not chunk:
                        raise RuntimeError(
                            f"{os.fspath(self.path)!r} became shorter while it was being sent."
                        )
                    offset += len(chunk)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": plan.trailer, "more_body": False})
        finally:
            file.close()

    async def _send_not_modified(self, scope: Scope, send: Send, validators: RawHeaders) -> None:
        # RFC 9110 §15.4.5: a 304 carries the validators and caching headers, not the
        # metadata of a body it does not have.
        headers = [
            (k, v)
            for k, v in self._raw
            if not k.startswith(b"content-") or k == b"content-location"
        ]
        start = {
            "type": "http.response.start",
            "status": 304,
            "headers": headers + validators + self._cookie_headers(scope),
        }
        await send(start)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _open(path: str | os.PathLike[str]) -> BinaryIO:
    # Closed by FileResponse._send_body, which owns it from here on.
    return open(path, "rb")


def _read_at(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)


async def _problem(error: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    response = ProblemResponse(
        error.to_problem(), status_code=error.status_code, headers=error.headers
    )
    await response(scope, receive, send)


def _part_head(
    boundary: str, content_type: str | None, start: int, end: int, size: int, *, first: bool
) -> bytes:
    # The CRLF before a boundary belongs to the delimiter (RFC 2046 §5.1.1).
    lines = ["" if first else "\r\n", f"--{boundary}\r\n"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}\r\n")
    lines.append(f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n")
    return "".join(lines).encode("latin-1")


def _guess_media_type(name: str) -> str:
    media_type, encoding = mimetypes.guess_type(name)
    if encoding is not None:
        return _COMPRESSED_TYPES.get(encoding, "application/octet-stream")
    return media_type or "application/octet-stream"


def _disposition(disposition: str, filename: str) -> str:
    # RFC 6266: a plain-ASCII filename for every client, plus filename* with the exact
    # UTF-8 name (RFC 8187) when the two differ; clients that understand filename* prefer it.
    decomposed = unicodedata.normalize("NFKD", filename)
    fallback = "".join(
        char if char.isascii() and char.isprintable() else "_"
        for char in decomposed
        if not unicodedata.combining(char)
    )
    quoted = fallback.replace("\\", "\\\\").replace('"', '\\"')
    value = f'{disposition}; filename="{quoted}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe=_ATTR_CHARS)}"
    return value
