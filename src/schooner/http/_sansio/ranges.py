"""Byte ranges and conditional requests (RFC 9110 §13 and §14), as pure functions.

``parse_range`` turns a ``Range`` header into inclusive ``(start, end)`` pairs for a
representation of known size; the rest decide whether a request's validators (``ETag`` and
``Last-Modified``) still match, so a file can be answered with 304, 412 or a partial 206.
"""

from __future__ import annotations

import email.utils
import itertools
import re
from collections.abc import Mapping
from datetime import UTC

# Sizes are below 2**63, so saturating at 2**64 keeps every comparison with a size exact.
_SATURATED = 2**64
_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")
# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc excludes DQUOTE, space and controls.
_ENTITY_TAG = re.compile(r'(W/)?("[\x21\x23-\x7e\x80-\xff]*")')

MAX_RANGES = 100
"""Range headers asking for more ranges than this are ignored (RFC 9110 §17.15)."""


class RangeNotSatisfiable(ValueError):
    """The ``Range`` header is valid but none of its ranges overlaps the representation.

    Answer with 416 and ``Content-Range: bytes */{size}`` (RFC 9110 §15.5.17).

    Args:
        size: the length of the representation, for the ``Content-Range`` header.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(f"No requested range is satisfiable for a {size}-byte representation.")


def parse_range(
    header: str, size: int, *, max_ranges: int = MAX_RANGES
) -> list[tuple[int, int]] | None:
    """Parse a ``Range`` header into inclusive ``(start, end)`` byte positions.

    ``bytes=0-99`` is the first hundred bytes, ``bytes=100-`` everything from offset 100,
    ``bytes=-500`` the last 500 bytes; several ranges are separated by commas. Ends are clamped
    to ``size - 1``, unsatisfiable ranges are dropped, and overlapping or adjacent ranges are
    coalesced (in ascending order), as RFC 9110 §14.2 allows, so overlapping ranges cannot
    multiply the response size.

    Args:
        header: the ``Range`` field value.
        size: the length of the representation in bytes.
        max_ranges: more ranges than this and the header is ignored.

    Returns:
        The ranges to send, or ``None`` when the header should be ignored and the whole
        representation sent with 200: it is not a ``bytes`` range, it is malformed, it asks
        for too many ranges, or the representation is empty (an empty range cannot be written
        in ``Content-Range``).

    Raises:
        RangeNotSatisfiable: the header is valid but no range overlaps the representation.
    """
    unit, eq, range_set = header.partition("=")
    if not eq or unit.strip().lower() != "bytes":
        return None
    specs = [spec.strip() for spec in range_set.split(",")]
    # RFC 9110 §5.6.1: empty list elements are ignored, but one range is required.
    specs = [spec for spec in specs if spec]
    if not specs or len(specs) > max_ranges:
        return None
    ranges: list[tuple[int, int]] = []
    empty_but_satisfiable = False
    for spec in specs:
        match = _RANGE_SPEC.fullmatch(spec)
        if match is None or match.group() == "-":
            return None
        first, last = match.groups()
        if first and last and _compare(last, first) < 0:
            return None  # last-pos before first-pos: the range-spec is invalid (§14.1.1)
        if not first:
            length = _value(last)
            if length == 0:
                continue
            if size == 0:
                empty_but_satisfiable = True
                continue
            ranges.append((max(size - length, 0), size - 1))
        elif _value(first) < size:
            end = size - 1 if not last else min(_value(last), size - 1)
            ranges.append((_value(first), end))
    if not ranges:
        if empty_but_satisfiable:
            return None
        raise RangeNotSatisfiable(size)
    return _coalesce(ranges)


def _value(digits: str) -> int:
    significant = digits.lstrip("0")
    # Also keeps int() clear of Python's limit on the digits of a decimal string.
    return int(significant) if 0 < len(significant) <= 20 else (_SATURATED if significant else 0)


def _compare(a: str, b: str) -> int:
    a, b = a.lstrip("0"), b.lstrip("0")
    key_a, key_b = (len(a), a), (len(b), b)
    return (key_a > key_b) - (key_a < key_b)


def _coalesce(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    ordered = sorted(ranges)
    if all(start > prev_end + 1 for (_, prev_end), (start, _) in itertools.pairwise(ordered)):
        return ranges  # nothing to merge: keep the client's order
    merged = [ordered[0]]
    for start, end in ordered[1:]:
        prev_start, prev_end = merged[-1]
        if start <= prev_end + 1:
            merged[-1] = (prev_start, max(prev_end, end))
        else:
            merged.append((start, end))
    return merged


def make_etag(size: int, mtime_ns: int, *, weak: bool = False) -> str:
    """Build a quoted entity tag from a file's size and modification time.

    The tag changes whenever either changes, as nginx's does. It is strong by default, so it
    can validate ``If-Range``; pass ``weak=True`` for ``W/"…"`` when the bytes may change
    without the modification time changing.

    Args:
        size: the size in bytes (``st_size``).
        mtime_ns: the modification time in nanoseconds (``st_mtime_ns``).
        weak: mark the tag weak.
    """
    tag = f'"{mtime_ns:x}-{size:x}"'
    return f"W/{tag}" if weak else tag


def etag_matches(header: str, etag: str, *, weak: bool = True) -> bool:
    """Tell whether an ``If-None-Match`` or ``If-Match`` field value matches ``etag``.

    ``*`` matches any current representation. Otherwise each listed entity tag is compared
    with ``etag``: weakly by default, as ``If-None-Match`` requires (``W/"x"`` matches
    ``"x"``), or strongly with ``weak=False``, as ``If-Match`` requires (neither side may be
    weak). Malformed list members never match.

    Args:
        header: the field value, e.g. ``"a", W/"b"``.
        etag: the representation's quoted entity tag.
        weak: use weak comparison (RFC 9110 §8.8.3.2).
    """
    if header.strip() == "*":
        return True
    etag_is_weak = etag.startswith("W/")
    if etag_is_weak and not weak:
        return False
    opaque = etag[2:] if etag_is_weak else etag
    return any(
        tag == opaque and (weak or not prefix) for prefix, tag in _ENTITY_TAG.findall(header)
    )


def if_range_matches(header: str, *, etag: str | None, last_modified: int | None) -> bool:
    """Tell whether an ``If-Range`` validator still matches, so the ``Range`` applies.

    An entity tag matches only by strong comparison; a date only when it equals the
    ``Last-Modified`` time exactly (RFC 9110 §13.1.5). Otherwise the whole representation is
    sent with 200.

    Args:
        header: the ``If-Range`` field value: an entity tag or an HTTP-date.
        etag: the representation's entity tag, if it has one.
        last_modified: the representation's ``Last-Modified`` time in Unix seconds.
    """
    header = header.strip()
    if header.startswith(('"', "W/")):
        return etag is not None and not header.startswith("W/") and header == etag
    date = parse_http_date(header)
    return date is not None and date == last_modified


def evaluate_preconditions(
    headers: Mapping[str, str], *, method: str, etag: str | None, last_modified: int | None
) -> int | None:
    """Evaluate the conditional request headers in the order of RFC 9110 §13.2.2.

    ``If-Match`` (or, without it, ``If-Unmodified-Since``) fails with 412. ``If-None-Match``
    (or, without it and only for GET and HEAD, ``If-Modified-Since``) gives 304 for GET and
    HEAD and 412 for other methods. Dates that do not parse are ignored.

    Args:
        headers: the request headers; a plain mapping needs lower-case names.
        method: the request method.
        etag: the representation's entity tag, if it has one.
        last_modified: the representation's ``Last-Modified`` time in Unix seconds.

    Returns:
        304 or 412 when a precondition decides the response, ``None`` to carry on.
    """
    if_match = headers.get("if-match")
    if if_match is not None:
        # "*" matches any current representation, even one without an entity tag.
        if not etag_matches(if_match, etag or "", weak=False):
            return 412
    elif _newer(last_modified, _date_header(headers, "if-unmodified-since")):
        return 412
    safe = method in ("GET", "HEAD")
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if etag_matches(if_none_match, etag or ""):
            return 304 if safe else 412
    elif safe and _newer(_date_header(headers, "if-modified-since"), last_modified, or_equal=True):
        return 304
    return None


def _newer(a: int | None, b: int | None, *, or_equal: bool = False) -> bool:
    # Comparisons with a missing or unparsable date are false: the condition is ignored.
    if a is None or b is None:
        return False
    return a >= b if or_equal else a > b


def _date_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    return None if value is None else parse_http_date(value)


def format_http_date(timestamp: float) -> str:
    """Format a Unix timestamp as an IMF-fixdate, e.g. ``Sun, 06 Nov 1994 08:49:37 GMT``."""
    return email.utils.formatdate(timestamp, usegmt=True)


def parse_http_date(value: str) -> int | None:
    """Parse an HTTP-date into Unix seconds, or ``None`` when it is not a valid date.

    All three formats of RFC 9110 §5.6.7 are accepted: IMF-fixdate, the obsolete RFC 850
    form and asctime; a date without a zone is taken as GMT.
    """
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())
