"""Uploaded files and parsed forms."""

from __future__ import annotations

import tempfile
from typing import IO, Any

from schooner.concurrency import run_sync
from schooner.datastructures._headers import Headers
from schooner.datastructures._multidict import MultiDict

DEFAULT_SPOOL_MAX_SIZE = 1024 * 1024
"""Uploads stay in memory up to this size, then move to a temporary file on disk."""


class UploadFile:
    """A file sent in a multipart form, kept in memory while small and on disk beyond that.

    The file methods are async: once the data is on disk they run in the thread pool, so a
    large upload never blocks the event loop. The file is closed when the request ends.

    Attributes:
        filename: the name the client gave, made safe by the multipart parser (no path,
            no ``..``, no control characters; see ``docs/requests.md``), but still the
            client's choice: store files under names you generate.
        content_type: the part's ``Content-Type`` (``application/octet-stream`` if absent).
        headers: all headers of the part.
        size: bytes written so far.
        file: the underlying spooled temporary file, for libraries that want a file object.
    """

    __slots__ = ("content_type", "file", "filename", "headers", "size")

    def __init__(
        self,
        filename: str | None,
        *,
        content_type: str = "application/octet-stream",
        headers: Headers | None = None,
        spool_max_size: int = DEFAULT_SPOOL_MAX_SIZE,
    ) -> None:
        self.filename = filename
        self.content_type = content_type
        self.headers = headers if headers is not None else Headers()
        self.size = 0
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=spool_max_size)  # noqa: SIM115  # closed by close()

    @property
    def in_memory(self) -> bool:
        """Whether the data is still held in memory (not yet rolled over to disk)."""
        return not getattr(self.file, "_rolled", True)

    async def write(self, data: bytes) -> None:
        """Append ``data`` (used while parsing)."""
        if self.in_memory:
            self.file.write(data)
        else:
            await run_sync(self.file.write, data)
        self.size += len(data)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all when negative) from the current position."""
        if self.in_memory:
            return self.file.read(size)
        return await run_sync(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to ``offset`` bytes from the start."""
        if self.in_memory:
            self.file.seek(offset)
        else:
            await run_sync(self.file.seek, offset)

    async def close(self) -> None:
        """Close and discard the data."""
        if self.in_memory:
            self.file.close()
        else:
            await run_sync(self.file.close)

    def __repr__(self) -> str:
        return (
            f"UploadFile(filename={self.filename!r}, content_type={self.content_type!r}, "
            f"size={self.size})"
        )


class FormData(MultiDict["str | UploadFile"]):
    """A parsed form: text fields are ``str``, file fields :class:`UploadFile`."""

    __slots__ = ()

    async def close(self) -> None:
        """Close every uploaded file of the form."""
        for _, value in self.multi_items():
            if isinstance(value, UploadFile):
                await value.close()

    def __repr__(self) -> str:
        items: list[Any] = self.multi_items()
        return f"FormData({items!r})"
