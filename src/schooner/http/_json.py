"""Decoding JSON a client sent, so that every failure is the client's 400, never a 500.

A JSON decoder fails in more ways than "not JSON": msgspec raises ``ValidationError`` for a
number it cannot hold (``1e400``, a 100,000-digit integer) even when decoding untyped, and
``RecursionError`` for nesting deeper than the interpreter's recursion limit (a 2 KB body of
``[[[[…]]]]`` is enough). Each decode of client bytes goes through :func:`decode_json`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from schooner.exceptions import BadRequest

_UNTYPED = msgspec.json.Decoder()


def decode_json(data: bytes, what: str, decode: Callable[[bytes], Any] | None = None) -> Any:
    """Decode ``data`` with the typed ``decode`` (untyped when ``None``) or raise a 400.

    ``msgspec.ValidationError`` raised by a typed ``decode`` is left to the caller (it is a
    422 with a location); every other failure becomes :class:`BadRequest` naming ``what``
    (``"body"``, ``"message"``).

    Raises:
        BadRequest: ``data`` is not JSON, holds a number an untyped decode cannot hold, or
            is nested too deeply.
        msgspec.ValidationError: a typed ``decode`` found a value of the wrong type (or a
            number out of range, which it locates).
    """
    if decode is None:
        try:
            return _UNTYPED.decode(data)
        except (msgspec.DecodeError, RecursionError) as exc:
            raise malformed_json(exc, what) from None
    try:
        return decode(data)
    except msgspec.ValidationError:
        raise
    except (msgspec.DecodeError, RecursionError) as exc:
        raise malformed_json(exc, what) from None


def try_decode_json(data: bytes) -> Any:
    """Decode ``data`` untyped; :data:`UNREADABLE` when it cannot be (``None`` is JSON ``null``)."""
    try:
        return _UNTYPED.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return UNREADABLE


UNREADABLE: Any = object()
"""What :func:`try_decode_json` returns for bytes it cannot decode."""


def malformed_json(exc: BaseException, what: str) -> BadRequest:
    """The 400 for a JSON ``what`` (body, message) that failed to decode with ``exc``."""
    reason = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
    return BadRequest(detail=f"Malformed JSON {what}: {reason}.")
