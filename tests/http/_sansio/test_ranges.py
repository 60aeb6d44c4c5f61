"""Tests for the sans-IO range and conditional-request helpers."""

from __future__ import annotations

import pytest

from schooner.http._sansio.ranges import (
    MAX_RANGES,
    RangeNotSatisfiable,
    etag_matches,
    evaluate_preconditions,
    format_http_date,
    if_range_matches,
    make_etag,
    parse_http_date,
    parse_range,
)

NOV_6_1994 = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-99", 1000, [(0, 99)]),
        ("bytes=0-0", 1000, [(0, 0)]),
        ("bytes=100-", 1000, [(100, 999)]),
        ("bytes=-500", 1000, [(500, 999)]),
        ("bytes=-5000", 1000, [(0, 999)]),
        ("bytes=990-2000", 1000, [(990, 999)]),
        ("bytes=999-999", 1000, [(999, 999)]),
        ("bytes=0-9,20-29", 100, [(0, 9), (20, 29)]),
        ("bytes=50-59,0-9", 100, [(50, 59), (0, 9)]),
        ("bytes=0-9, 20-29 ,-5", 100, [(0, 9), (20, 29), (95, 99)]),
        ("bytes=0-9,,20-29,", 100, [(0, 9), (20, 29)]),
        ("BYTES=0-9", 100, [(0, 9)]),
        (" bytes=0-9", 100, [(0, 9)]),
        ("bytes=0-9,200-300", 100, [(0, 9)]),
        ("bytes=0-9,-0", 100, [(0, 9)]),
        ("bytes=0050-0059", 100, [(50, 59)]),
        ("bytes=0-" + "9" * 5000, 100, [(0, 99)]),
        ("bytes=-" + "9" * 5000, 100, [(0, 99)]),
        ("bytes=0-99999999999999999999", 100, [(0, 99)]),
    ],
)
def test_parse_range_returns_clamped_inclusive_ranges(
    header: str, size: int, expected: list[tuple[int, int]]
) -> None:
    """Valid byte ranges become inclusive (start, end) pairs clamped to the size."""
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-50,40-99", 100, [(0, 99)]),
        ("bytes=40-99,0-50", 100, [(0, 99)]),
        ("bytes=0-9,10-19", 100, [(0, 19)]),
        ("bytes=60-69,0-9,5-14", 100, [(0, 14), (60, 69)]),
        ("bytes=0-0,-1", 1, [(0, 0)]),
        ("bytes=" + ",".join(["0-99"] * 50), 100, [(0, 99)]),
    ],
)
def test_parse_range_coalesces_overlapping_ranges(
    header: str, size: int, expected: list[tuple[int, int]]
) -> None:
    """Overlapping or adjacent ranges merge, so repeats cannot multiply the response."""
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        "bytes",
        "bytes=",
        "bytes=,",
        "bytes=-",
        "bytes=a-b",
        "bytes=1",
        "bytes=5-1",
        "bytes=1-2-3",
        "bytes=0x1-2",
        "bytes=+1-2",
        "bytes=1 - 2",
        "bytes=0-9,oops",
        "bytes=²-3",
        "items=0-9",
        "0-9",
        "bytes=0-" + ",0-0" * MAX_RANGES,
        "bytes=" + "9" * 30 + "-" + "9" * 29,
    ],
)
def test_parse_range_ignores_invalid_headers(header: str) -> None:
    """Malformed, non-bytes or over-long Range headers are ignored (None)."""
    assert parse_range(header, 100) is None


def test_parse_range_honours_max_ranges() -> None:
    """The limit on the number of ranges can be lowered."""
    assert parse_range("bytes=0-1,5-6", 100, max_ranges=1) is None
    assert parse_range("bytes=0-1", 100, max_ranges=1) == [(0, 1)]


@pytest.mark.parametrize(
    ("header", "size"),
    [
        ("bytes=100-", 100),
        ("bytes=100-200", 100),
        ("bytes=-0", 100),
        ("bytes=200-300,100-", 100),
        ("bytes=0-", 0),
        ("bytes=0-0", 0),
        ("bytes=" + "9" * 30 + "-", 100),
    ],
)
def test_parse_range_raises_when_nothing_is_satisfiable(header: str, size: int) -> None:
    """A valid header with no overlapping range raises RangeNotSatisfiable carrying the size."""
    with pytest.raises(RangeNotSatisfiable) as info:
        parse_range(header, size)
    assert info.value.size == size
    assert str(size) in str(info.value)


@pytest.mark.parametrize("header", ["bytes=-5", "bytes=-5,0-"])
def test_parse_range_sends_empty_representations_whole(header: str) -> None:
    """A suffix range of an empty representation is satisfiable but cannot be a 206."""
    assert parse_range(header, 0) is None


@pytest.mark.parametrize(
    ("size", "mtime_ns", "weak", "expected"),
    [
        (10, 255, False, '"ff-a"'),
        (0, 0, False, '"0-0"'),
        (10, 255, True, 'W/"ff-a"'),
    ],
)
def test_make_etag_formats_a_quoted_validator(
    size: int, mtime_ns: int, weak: bool, expected: str
) -> None:
    """The entity tag is quoted, derived from mtime and size, and W/-prefixed when weak."""
    assert make_etag(size, mtime_ns, weak=weak) == expected


def test_make_etag_changes_with_size_and_mtime() -> None:
    """Different sizes or modification times give different tags."""
    tags = {make_etag(1, 2), make_etag(2, 2), make_etag(1, 3)}
    assert len(tags) == 3


@pytest.mark.parametrize(
    ("header", "etag", "expected"),
    [
        ('"abc"', '"abc"', True),
        ('"abc"', '"abd"', False),
        ("*", '"abc"', True),
        (" * ", 'W/"abc"', True),
        ('"x", "abc"', '"abc"', True),
        ('"x","y"', '"abc"', False),
        ('W/"abc"', '"abc"', True),
        ('"abc"', 'W/"abc"', True),
        ('W/"abc"', 'W/"abc"', True),
        ('"a,b"', '"a,b"', True),
        ('"a,b"', '"a"', False),
        ("abc", '"abc"', False),
        ("", '"abc"', False),
    ],
)
def test_etag_matches_uses_weak_comparison(header: str, etag: str, expected: bool) -> None:
    """If-None-Match compares weakly: W/ prefixes are ignored, * matches anything."""
    assert etag_matches(header, etag) is expected


@pytest.mark.parametrize(
    ("header", "etag", "expected"),
    [
        ('"abc"', '"abc"', True),
        ('W/"abc"', '"abc"', False),
        ('"abc"', 'W/"abc"', False),
        ('W/"abc"', 'W/"abc"', False),
        ('W/"abc", "abc"', '"abc"', True),
        ("*", 'W/"abc"', True),
    ],
)
def test_etag_matches_strong_comparison(header: str, etag: str, expected: bool) -> None:
    """With weak=False (If-Match), a weak tag on either side never matches."""
    assert etag_matches(header, etag, weak=False) is expected


@pytest.mark.parametrize(
    ("header", "etag", "last_modified", "expected"),
    [
        ('"abc"', '"abc"', None, True),
        (' "abc" ', '"abc"', None, True),
        ('"abc"', '"abd"', None, False),
        ('"abc"', None, NOV_6_1994, False),
        ('W/"abc"', 'W/"abc"', None, False),
        ('W/"abc"', '"abc"', None, False),
        ('"abc"', 'W/"abc"', None, False),
        ("Sun, 06 Nov 1994 08:49:37 GMT", '"abc"', NOV_6_1994, True),
        ("Sun, 06 Nov 1994 08:49:38 GMT", '"abc"', NOV_6_1994, False),
        ("Sun, 06 Nov 1994 08:49:36 GMT", '"abc"', NOV_6_1994, False),
        ("Sun, 06 Nov 1994 08:49:37 GMT", '"abc"', None, False),
        ("not a date", '"abc"', NOV_6_1994, False),
    ],
)
def test_if_range_matches(
    header: str, etag: str | None, last_modified: int | None, expected: bool
) -> None:
    """If-Range needs a strong ETag match or an exactly equal date."""
    assert if_range_matches(header, etag=etag, last_modified=last_modified) is expected


DATE = "Sun, 06 Nov 1994 08:49:37 GMT"
EARLIER = "Sun, 06 Nov 1994 08:49:36 GMT"
LATER = "Sun, 06 Nov 1994 08:49:38 GMT"


@pytest.mark.parametrize(
    ("headers", "method", "expected"),
    [
        ({}, "GET", None),
        ({"if-none-match": '"e"'}, "GET", 304),
        ({"if-none-match": '"e"'}, "HEAD", 304),
        ({"if-none-match": 'W/"e"'}, "GET", 304),
        ({"if-none-match": '"e"'}, "POST", 412),
        ({"if-none-match": '"other"'}, "GET", None),
        ({"if-none-match": "*"}, "GET", 304),
        ({"if-modified-since": DATE}, "GET", 304),
        ({"if-modified-since": LATER}, "GET", 304),
        ({"if-modified-since": EARLIER}, "GET", None),
        ({"if-modified-since": DATE}, "POST", None),
        ({"if-modified-since": "garbage"}, "GET", None),
        # If-None-Match takes precedence over If-Modified-Since (RFC 9110 §13.2.2).
        ({"if-none-match": '"other"', "if-modified-since": LATER}, "GET", None),
        ({"if-none-match": '"e"', "if-modified-since": EARLIER}, "GET", 304),
        ({"if-match": '"e"'}, "GET", None),
        ({"if-match": "*"}, "PUT", None),
        ({"if-match": '"other"'}, "GET", 412),
        ({"if-match": 'W/"e"'}, "GET", 412),
        ({"if-unmodified-since": DATE}, "GET", None),
        ({"if-unmodified-since": EARLIER}, "GET", 412),
        ({"if-unmodified-since": "garbage"}, "GET", None),
        # If-Match takes precedence over If-Unmodified-Since.
        ({"if-match": '"e"', "if-unmodified-since": EARLIER}, "GET", None),
        ({"if-match": '"e"', "if-none-match": '"e"'}, "GET", 304),
        ({"if-match": '"x"', "if-none-match": '"e"'}, "GET", 412),
    ],
)
def test_evaluate_preconditions_follows_rfc_order(
    headers: dict[str, str], method: str, expected: int | None
) -> None:
    """Preconditions are evaluated in RFC 9110 §13.2.2 order to 304, 412 or None."""
    result = evaluate_preconditions(headers, method=method, etag='"e"', last_modified=NOV_6_1994)
    assert result == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"if-match": "*"}, None),
        ({"if-match": '""'}, 412),
        ({"if-none-match": "*"}, 304),
        ({"if-none-match": '""'}, None),
        ({"if-modified-since": DATE}, None),
        ({"if-unmodified-since": DATE}, None),
    ],
)
def test_evaluate_preconditions_without_validators(
    headers: dict[str, str], expected: int | None
) -> None:
    """Without an ETag or Last-Modified only ``*`` matches; dates are ignored."""
    assert evaluate_preconditions(headers, method="GET", etag=None, last_modified=None) == expected


def test_format_http_date_is_imf_fixdate() -> None:
    """Timestamps format as IMF-fixdate in GMT."""
    assert format_http_date(NOV_6_1994) == DATE
    assert format_http_date(NOV_6_1994 + 0.9) == DATE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (DATE, NOV_6_1994),
        ("Sunday, 06-Nov-94 08:49:37 GMT", NOV_6_1994),
        ("Sun Nov  6 08:49:37 1994", NOV_6_1994),
        ("Sun, 06 Nov 1994 08:49:37 -0000", NOV_6_1994),
        ("Sun, 06 Nov 1994 09:49:37 +0100", NOV_6_1994),
        ("", None),
        ("0", None),
        ("garbage", None),
        ("Sun, 06 Nov 1994 25:49:37 GMT", None),
        ("Sun, 06 Nov 99999 08:49:37 GMT", None),
    ],
)
def test_parse_http_date(value: str, expected: int | None) -> None:
    """All three HTTP-date formats parse to Unix seconds; anything else gives None."""
    assert parse_http_date(value) == expected
