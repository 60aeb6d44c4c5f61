"""Form bodies: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Multipart bodies are parsed as they stream in (python-multipart); file parts are written to
:class:`UploadFile` objects that spool to disk past a threshold, so memory stays flat however
large the upload. The byte limit of the whole body is enforced by the caller's chunk source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from schooner.datastructures import FormData, Headers, UploadFile
from schooner.datastructures._upload import DEFAULT_SPOOL_MAX_SIZE
from schooner.exceptions import BadRequest, PayloadTooLarge, UnsupportedMediaType
from schooner.http._sansio.content_type import (
    MULTIPART,
    URLENCODED,
    disposition_filename,
    parse_header_params,
)
from schooner.http._sansio.query import DecodeError, parse_query_string

DEFAULT_MAX_FIELDS: Final = 1000
DEFAULT_MAX_FILES: Final = 100
DEFAULT_MAX_PART_SIZE: Final = 1024 * 1024


async def parse_form(
    content_type: str,
    chunks: AsyncIterator[bytes],
    *,
    spool_max_size: int = DEFAULT_SPOOL_MAX_SIZE,
    max_fields: int = DEFAULT_MAX_FIELDS,
    max_files: int = DEFAULT_MAX_FILES,
    max_part_size: int = DEFAULT_MAX_PART_SIZE,
) -> FormData:
    """Parse a form body read from ``chunks``.

    Args:
        content_type: the request's ``Content-Type`` header.
        chunks: the body, already limited in size by the caller.
        spool_max_size: bytes an upload keeps in memory before moving to disk.
        max_fields: most text fields accepted (a flood of tiny fields is a 413).
        max_files: most file fields accepted.
        max_part_size: largest text field of a multipart form, in bytes.

    Raises:
        UnsupportedMediaType: 415 when the body is not a form.
        BadRequest: the body is malformed.
        PayloadTooLarge: too many fields or files, or a text field too large.
    """
    media_type, params = parse_header_params(content_type)
    if media_type == URLENCODED:
        return await _parse_urlencoded(chunks, max_fields=max_fields)
    if media_type == MULTIPART:
        boundary = params.get("boundary")
        if not boundary:
            raise BadRequest(detail="The multipart Content-Type has no boundary parameter.")
        parser = _MultipartReader(
            boundary.encode("latin-1"),
            spool_max_size=spool_max_size,
            max_fields=max_fields,
            max_files=max_files,
            max_part_size=max_part_size,
        )
        return await parser.read(chunks)
    raise UnsupportedMediaType(
        detail=f"Expected a form body ({URLENCODED} or {MULTIPART}), "
        f"got Content-Type {content_type!r}.",
    )


async def _parse_urlencoded(chunks: AsyncIterator[bytes], *, max_fields: int) -> FormData:
    body = b"".join([chunk async for chunk in chunks])
    if body.count(b"&") >= max_fields:
        raise PayloadTooLarge(detail=f"The form has more than {max_fields} fields.")
    try:
        return FormData(parse_query_string(body))
    except DecodeError as exc:
        raise BadRequest(detail=f"Malformed form body: {exc}.")


class _MultipartReader:
    """Turns python-multipart's callbacks into a :class:`FormData`."""

    def __init__(
        self,
        boundary: bytes,
        *,
        spool_max_size: int,
        max_fields: int,
        max_files: int,
        max_part_size: int,
    ) -> None:
        self.spool_max_size = spool_max_size
        self.max_fields = max_fields
        self.max_files = max_files
        self.max_part_size = max_part_size
        self.items: list[tuple[str, str | UploadFile]] = []
        self.pending: list[tuple[UploadFile, bytes]] = []
        self.fields = self.files = 0
        self.ended = False
        self._reset_part()
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._reset_part,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
        )

    async def read(self, chunks: AsyncIterator[bytes]) -> FormData:
        try:
            async for chunk in chunks:
                self.parser.write(chunk)
                await self._flush()
            self.parser.finalize()
            await self._flush()
            if not self.ended:
                raise BadRequest(detail="The multipart body ended before its closing boundary.")
        except MultipartParseError as exc:
            await self._close_files()
            raise BadRequest(detail=f"Malformed multipart body: {exc}.")
        except BaseException:
            await self._close_files()
            raise
        for _, value in self.items:
            if isinstance(value, UploadFile):
                await value.seek(0)  # handlers read from the start
        return FormData(self.items)

    async def _flush(self) -> None:
        pending, self.pending = self.pending, []
        for upload, data in pending:
            await upload.write(data)

    async def _close_files(self) -> None:
        for _, value in self.items:
            if isinstance(value, UploadFile):
                await value.close()
        if self.upload is not None and all(v is not self.upload for _, v in self.items):
            await self.upload.close()

    # -- callbacks (sync, called from parser.write) ------------------------------------------

    def _reset_part(self) -> None:
        self.header_field = b""
        self.header_value = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.name = ""
        self.upload: UploadFile | None = None
        self.upload_has_data = False
        self.text = bytearray()
        self.charset = "utf-8"

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _on_header_end(self) -> None:
        self.headers.append((self.header_field.lower(), self.header_value))
        self.header_field = self.header_value = b""

    def _on_headers_finished(self) -> None:
        headers = Headers(raw=self.headers)
        disposition, params = parse_header_params(headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in params:
            raise BadRequest(
                detail="A multipart part has no 'Content-Disposition: form-data; name=...' header."
            )
        self.name = params["name"]
        content_type = headers.get("content-type", "")
        filename = disposition_filename(params)
        if filename is None:
            self.fields += 1
            if self.fields > self.max_fields:
                raise PayloadTooLarge(detail=f"The form has more than {self.max_fields} fields.")
            self.charset = parse_header_params(content_type)[1].get("charset", "utf-8")
            return
        self.files += 1
        if self.files > self.max_files:
            raise PayloadTooLarge(detail=f"The form has more than {self.max_files} files.")
        self.upload = UploadFile(
            filename,
            content_type=content_type or "application/octet-stream",
            headers=headers,
            spool_max_size=self.spool_max_size,
        )

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.upload is not None:
            if end > start:
                self.upload_has_data = True
                self.pending.append((self.upload, data[start:end]))
            return
        self.text += data[start:end]
        if len(self.text) > self.max_part_size:
            raise PayloadTooLarge(
                detail=f"The form field {self.name!r} is larger than {self.max_part_size} bytes."
            )

    def _on_part_end(self) -> None:
        if self.upload is not None:
            # A file input left empty is sent with filename="" and no data: not a file.
            if self.upload.filename == "" and not self.upload_has_data:
                self.upload.file.close()
            else:
                self.items.append((self.name, self.upload))
            self.upload = None
            return
        try:
            value = self.text.decode(self.charset)
        except (UnicodeDecodeError, LookupError):
            raise BadRequest(detail=f"The form field {self.name!r} is not valid {self.charset}.")
        self.items.append((self.name, value))

    def _on_end(self) -> None:
        self.ended = True
