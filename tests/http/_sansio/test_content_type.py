"""Parsing Content-Type and Content-Disposition values."""

from __future__ import annotations

import pytest

from schooner.http._sansio.content_type import (
    FALLBACK_FILENAME,
    MAX_FILENAME_BYTES,
    disposition_filename,
    parse_header_params,
    safe_filename,
)


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
        # Browsers send UTF-8 bytes in filename="..."; headers are read as Latin-1.
        ({"filename": "été.txt".encode().decode("latin-1")}, "été.txt"),
        ({"filename": "caf\xe9.txt"}, "caf\xe9.txt"),
        # What was sanitised before the path is cut must not come back after it.
        ({"filename*": "UTF-8''..%2F..%2Fetc%2Fpasswd"}, "passwd"),
        ({"filename*": "UTF-8''a%00b.txt"}, "ab.txt"),
        ({"filename": ".."}, FALLBACK_FILENAME),
    ],
)
def test_disposition_filename(params: dict[str, str], expected: str | None) -> None:
    """filename* wins when decodable; the result is made safe by safe_filename."""
    assert disposition_filename(params) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("", ""),
        # path separators and traversal
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/abs/path.txt", "path.txt"),
        ("a/..", FALLBACK_FILENAME),
        ("..", FALLBACK_FILENAME),
        (".", FALLBACK_FILENAME),
        ("dir/", FALLBACK_FILENAME),
        # NUL and other control characters
        ("evil.php\x00.jpg", "evil.php.jpg"),
        ("a\r\nSet-Cookie: x.txt", "aSet-Cookie: x.txt"),
        ("tab\there\x7f.txt", "tabhere.txt"),
        ("\x00", FALLBACK_FILENAME),
        ("\x85next.txt", "next.txt"),
        # format characters: bidirectional override, zero-width space
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("in\u200bvisible.txt", "invisible.txt"),
        # leading dots (hidden files, traversal) and trailing dots and spaces
        (".htaccess", "htaccess"),
        ("...hidden", "hidden"),
        (" . .x", "x"),
        ("shell.php.", "shell.php"),
        ("name.txt . ", "name.txt"),
        ("a..b.txt", "a..b.txt"),
        # Unicode that is fine stays
        ("résumé 2024.pdf", "résumé 2024.pdf"),
        ("写真.png", "写真.png"),
        # length: at most 255 UTF-8 bytes, the extension kept
        ("x" * 300 + ".txt", "x" * 251 + ".txt"),
        ("é" * 200 + ".png", "é" * 125 + ".png"),
        ("y" * 300, "y" * 255),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    """No separators, ``..``, control or format characters, edge dots, or over-long names."""
    assert safe_filename(name) == expected
    assert len(expected.encode()) <= MAX_FILENAME_BYTES
