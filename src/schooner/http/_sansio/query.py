"""Strict decoding of query strings and paths: bad percent-encoding or UTF-8 is an error."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")


class DecodeError(ValueError):
    """The text is not valid percent-encoded UTF-8."""


def decode_component(raw: bytes, *, plus_is_space: bool = False) -> str:
    """Percent-decode ``raw`` and decode it as UTF-8, strictly.

    Raises:
        DecodeError: a ``%`` not followed by two hex digits, or bytes that are not UTF-8.
    """
    if b"%" in raw and _BAD_PERCENT.search(raw):
        raise DecodeError("invalid percent-encoding")
    if plus_is_space:
        raw = raw.replace(b"+", b" ")
    try:
        return unquote_to_bytes(raw).decode("utf-8") if b"%" in raw else raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError("percent-decoded text is not valid UTF-8") from None


def parse_query_string(raw: bytes) -> list[tuple[str, str]]:
    """Split an ``application/x-www-form-urlencoded`` query into decoded pairs, in order.

    Blank values are kept (``?a=&b`` gives ``a=""`` and ``b=""``); empty chunks are skipped.

    Raises:
        DecodeError: see :func:`decode_component`.
    """
    pairs: list[tuple[str, str]] = []
    if b"%" not in raw and b"+" not in raw:  # nothing to unquote: decode once, then split
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("percent-decoded text is not valid UTF-8") from None
        for part in text.split("&"):
            if part:
                name, _, text_value = part.partition("=")
                pairs.append((name, text_value))
        return pairs
    for chunk in raw.split(b"&"):
        if not chunk:
            continue
        key, _, value = chunk.partition(b"=")
        pairs.append(
            (decode_component(key, plus_is_space=True), decode_component(value, plus_is_space=True))
        )
    return pairs


def parse_query_dict(raw: bytes) -> dict[str, str]:
    """The query as ``{name: last value}``: what single-valued parameters read.

    Raises:
        DecodeError: see :func:`decode_component`.
    """
    if not raw:
        return {}
    if b"%" in raw or b"+" in raw:
        return dict(parse_query_string(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError("percent-decoded text is not valid UTF-8") from None
    if "&" not in text:
        name, _, value = text.partition("=")
        return {name: value}
    found: dict[str, str] = {}
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            found[name] = value
    return found
