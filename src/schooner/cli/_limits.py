"""The limits ``schooner serve`` puts on request heads (kept apart: no uvicorn import)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Limits on request heads, enforced by ``schooner serve``'s HTTP protocol.

    Attributes:
        header_timeout: seconds to receive a complete request line and headers.
        max_header_size: bytes of request target plus header names and values.
        max_headers: header fields in one request.
    """

    header_timeout: float = 10.0
    max_header_size: int = 32 * 1024
    max_headers: int = 100
