"""Parsing Content-Type and Content-Disposition values."""

from __future__ import annotations

import pytest

from schooner.http._sansio.content_type import disposition_filename, parse_header_params


@pytest.mark.parametrize(
    ("value", "main", "params"),
    [
        ("text/html", "text/html", {}),
        ("Text/HTML; Charset=UTF-8", "text/html", {"charset": "UTF-8"}),
        ('multipart/form-data; boundary="a b"', "multipart/form-data", {"boundary": "a b"}),
        ('x; a="q\\"uote"; b=2', "x", {"a": 'q"uote', "b": "2"}),
        ("x; a=1; a=2", "x", {"a": "1"}),
        ("x; broken; c=3", "x", {"c": "3"}),
        ("x;", "x", {}),
        ("", "", {}),
        (
            'form-data; name="f"; filename="C:\\dir\\a.txt"',
            "form-data",
            {"name": "f", "filename": "C:\\dir\\a.txt"},
        ),
    ],
)
def test_parse_header_params(value: str, main: str, params: dict[str, str]) -> None:
    """The main value is lower-cased; parameters are unquoted; the first repeat wins."""
    assert parse_header_params(value) == (main, params)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, None),
        ({"filename": "a.txt"}, "a.txt"),
        ({"filename": ""}, ""),
        ({"filename": "../../etc/passwd"}, "passwd"),
        ({"filename": "C:\\dir\\a.txt"}, "a.txt"),
        ({"filename*": "UTF-8''%E2%82%AC%20rates.txt", "filename": "x.txt"}, "€ rates.txt"),
        ({"filename*": "iso-8859-1'en'%E9t%E9.txt"}, "été.txt"),
        ({"filename*": "UTF-8''%FF.txt", "filename": "fallback.txt"}, "fallback.txt"),
        ({"filename*": "koi8-r''%C1.txt", "filename": "fallback.txt"}, "fallback.txt"),
    ],
)
def test_disposition_filename(params: dict[str, str], expected: str | None) -> None:
    """filename* wins when decodable; only the last path segment is kept."""
    assert disposition_filename(params) == expected
