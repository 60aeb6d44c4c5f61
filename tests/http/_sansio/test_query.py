"""Strict query-string parsing: the pairs, and the single-valued view parameters read."""

from __future__ import annotations

import pytest

from schooner.http._sansio.query import DecodeError, parse_query_dict, parse_query_string

CASES = [
    b"",
    b"a=1",
    b"a=1&b=2",
    b"a=1&a=2",
    b"a=&b",
    b"&&a=1&&",
    b"a=x=y",
    b"name=caf%C3%A9",
    b"q=hello+world&q=%2B",
    b"%61=1",
    "k=été".encode(),
]


@pytest.mark.parametrize("raw", CASES)
def test_dict_is_the_last_value_of_each_pair(raw: bytes) -> None:
    assert parse_query_dict(raw) == dict(parse_query_string(raw))


def test_pairs_keep_order_repeats_and_blanks() -> None:
    assert parse_query_string(b"a=1&b=&a=2&c") == [("a", "1"), ("b", ""), ("a", "2"), ("c", "")]
    assert parse_query_string(b"q=hello+world&r=%2B") == [("q", "hello world"), ("r", "+")]


@pytest.mark.parametrize("raw", [b"a=%zz", b"a=%C3", b"a=\xff", b"\xff=1&b=2"])
def test_bad_encoding_is_an_error_on_both_paths(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        parse_query_string(raw)
    with pytest.raises(DecodeError):
        parse_query_dict(raw)
