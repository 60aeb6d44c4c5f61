"""Tests for Accept-Encoding parsing and the choice of a precompressed sibling."""

from __future__ import annotations

import pytest

from schooner.staticfiles._encoding import choose_encoding, parse_accept_encoding


@pytest.mark.parametrize(
    ("header", "qualities"),
    [
        ("gzip", {"gzip": 1.0}),
        ("gzip, deflate, br", {"gzip": 1.0, "deflate": 1.0, "br": 1.0}),
        ("br;q=0.5, GZIP;q=0.8", {"br": 0.5, "gzip": 0.8}),
        ("br; q=0", {"br": 0.0}),
        ("x-gzip", {"gzip": 1.0}),
        ("*;q=0.1, identity", {"*": 0.1, "identity": 1.0}),
        ("br;q=abc, gzip;q=2, deflate", {"deflate": 1.0}),
        (" , ", {}),
    ],
)
def test_parse_accept_encoding(header: str, qualities: dict[str, float]) -> None:
    """Codings map to their quality; malformed or out-of-range qualities are dropped."""
    assert parse_accept_encoding(header) == qualities


@pytest.mark.parametrize(
    ("header", "available", "chosen"),
    [
        (None, ["br", "gzip"], None),
        ("", ["br", "gzip"], None),
        ("gzip, br", ["br", "gzip"], "br"),
        ("gzip, deflate", ["br", "gzip"], "gzip"),
        ("br", ["gzip"], None),
        ("br;q=0, gzip", ["br", "gzip"], "gzip"),
        ("br;q=0, gzip;q=0", ["br", "gzip"], None),
        ("br;q=0.4, gzip;q=0.9", ["br", "gzip"], "gzip"),
        ("*", ["br", "gzip"], "br"),
        ("*;q=0", ["br", "gzip"], None),
        ("*, br;q=0", ["br", "gzip"], "gzip"),
        ("identity", ["br", "gzip"], None),
        ("gzip", [], None),
    ],
)
def test_choose_encoding(header: str | None, available: list[str], chosen: str | None) -> None:
    """The best-quality acceptable coding wins, br on a tie; q=0 refuses a coding."""
    assert choose_encoding(header, available) == chosen
