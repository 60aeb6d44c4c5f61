"""Response validators of the benchmark runner: right answers pass, wrong ones are named."""

from __future__ import annotations

import hashlib
import html
import json
import sys
from pathlib import Path

import pytest
from benchmarks.runner import validate
from benchmarks.runner.validate import (
    PAYLOAD,
    check_api,
    check_db,
    check_fortunes,
    check_json,
    check_plaintext,
    check_unprocessable,
    check_upload,
    expected_fortunes,
    multipart_body,
    query_probes,
    worlds_checker,
)

JSON = {"content-type": "application/json"}
TEXT = {"content-type": "text/plain; charset=utf-8"}
HTML = {"content-type": "text/html; charset=utf-8"}
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "apps"))
from _common import query_count  # noqa: E402  (benchmarks/apps is not a package)


def page(rows: list[tuple[int, str]], escape: bool = True) -> bytes:
    """A fortunes page as a template would render it."""
    cells = "".join(
        f"<tr><td>{fid}</td><td>{html.escape(msg) if escape else msg}</td></tr>\n"
        for fid, msg in rows
    )
    return (
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
        f"<tr><th>id</th><th>message</th></tr>{cells}</table></body></html>"
    ).encode()


def test_plaintext_accepts_the_exact_body() -> None:
    """`Hello, World!` as text/plain passes."""
    assert check_plaintext(200, TEXT, b"Hello, World!") == []


@pytest.mark.parametrize(
    ("status", "headers", "body", "fragment"),
    [
        (200, TEXT, b"Hello, World", "body"),
        (200, JSON, b"Hello, World!", "content-type"),
        (500, TEXT, b"Hello, World!", "status 500"),
    ],
)
def test_plaintext_names_what_is_wrong(
    status: int, headers: dict[str, str], body: bytes, fragment: str
) -> None:
    """A wrong body, content type or status is reported."""
    problems = check_plaintext(status, headers, body)
    assert len(problems) == 1
    assert fragment in problems[0]


def test_json_compares_the_decoded_object() -> None:
    """Whitespace does not matter, the message does."""
    assert check_json(200, JSON, b'{"message": "Hello, World!"}') == []
    assert check_json(200, JSON, b'{"message":"Hello"}') != []
    assert "not JSON" in check_json(200, JSON, b"Hello")[0]


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"id": 1, "randomNumber": 10000}, True),
        ({"id": 0, "randomNumber": 5}, False),
        ({"id": 5, "randomNumber": 10001}, False),
        ({"id": 5, "randomnumber": 5}, False),
        ({"id": 5, "randomNumber": 5, "extra": 1}, False),
        ({"id": True, "randomNumber": 5}, False),
        ({"id": "5", "randomNumber": 5}, False),
    ],
)
def test_db_checks_keys_and_ranges(body: dict[str, object], ok: bool) -> None:
    """Exactly `id` and `randomNumber`, integers in 1..10,000."""
    assert (check_db(200, JSON, json.dumps(body).encode()) == []) is ok


def test_worlds_checker_counts_rows() -> None:
    """A queries answer must hold exactly the requested number of rows."""
    rows = json.dumps([{"id": i, "randomNumber": i} for i in range(1, 4)]).encode()
    assert worlds_checker(3)(200, JSON, rows) == []
    assert "expected a list of 2" in worlds_checker(2)(200, JSON, rows)[0]
    assert worlds_checker(1)(200, JSON, b'{"id": 1, "randomNumber": 1}') != []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 1), ("", 1), ("foo", 1), ("0", 1), ("-3", 1), ("1", 1), ("20", 20), ("500", 500),
     ("501", 500), ("100000", 500), ("2.5", 1)],
)  # fmt: skip
def test_query_count_clamps(raw: str | None, expected: int) -> None:
    """`queries` is clamped to 1..500 and a non-integer counts as 1 (TechEmpower's rule)."""
    assert query_count(raw) == expected


def test_query_probes_expect_clamped_counts() -> None:
    """The probes ask for out-of-range and non-integer counts and expect the clamped size."""
    probes = {probe.path: probe for probe in query_probes("/queries")}
    assert {"/queries?queries=0", "/queries?queries=foo", "/queries?queries=501"} <= set(probes)
    one = json.dumps([{"id": 1, "randomNumber": 1}]).encode()
    assert probes["/queries?queries=foo"].check(200, JSON, one) == []
    assert probes["/queries?queries=501"].check(200, JSON, one) != []


def test_expected_fortunes_are_sorted_and_complete() -> None:
    """13 rows: the 12 standard fortunes plus the one added at request time, by message."""
    rows = expected_fortunes()
    assert len(rows) == 13
    assert rows[0][0] == 11  # '<script>…' sorts first
    assert rows[-1] == (12, "フレームワークのベンチマーク")
    assert (0, "Additional fortune added at request time.") in rows
    assert [message for _, message in rows] == sorted(message for _, message in rows)


@pytest.mark.parametrize("quote", ["&quot;", "&#34;"])
def test_fortunes_accept_any_escaping_style(quote: str) -> None:
    """Jinja2 (`&#34;`) and Django/html.escape (`&quot;`) escaping are both correct."""
    body = page(expected_fortunes()).replace(b"&quot;", quote.encode())
    assert check_fortunes(200, HTML, body) == []


def test_fortunes_reject_unescaped_markup() -> None:
    """The `<script>` fortune must arrive escaped."""
    problems = check_fortunes(200, HTML, page(expected_fortunes(), escape=False))
    assert any("unescaped" in problem for problem in problems)


def test_fortunes_reject_wrong_order_and_missing_rows() -> None:
    """Unsorted rows, or rows without the added fortune, fail."""
    rows = expected_fortunes()
    assert check_fortunes(200, HTML, page(sorted(rows))) != []
    assert check_fortunes(200, HTML, page([r for r in rows if r[0] != 0])) != []


def test_api_echo_and_unprocessable() -> None:
    """The echo must match the request exactly; invalid input must be a 422."""
    echo = {
        "item_id": validate.API_ITEM_ID,
        "verbose": True,
        "token": validate.API_TOKEN,
        "item": validate.API_ITEM,
    }
    assert check_api(200, JSON, json.dumps(echo).encode()) == []
    assert check_api(200, JSON, json.dumps({**echo, "verbose": False}).encode()) != []
    assert check_unprocessable(422, JSON, b"{}") == []
    assert check_unprocessable(400, JSON, b"{}") == ["status 400, expected 422"]


def test_api_probes_cover_valid_invalid_and_missing_header() -> None:
    """Three requests: one valid, one with a bad body, one without `X-Token`."""
    probes = validate.api_probes()
    assert [p.check for p in probes] == [check_api, check_unprocessable, check_unprocessable]
    assert "x-token" not in probes[2].headers


def test_upload_checks_size_and_checksum() -> None:
    """The answer must carry the payload's size and SHA-256."""
    right = {"size": len(PAYLOAD), "sha256": hashlib.sha256(PAYLOAD).hexdigest()}
    assert len(PAYLOAD) == 100 * 1024
    assert check_upload(200, JSON, json.dumps(right).encode()) == []
    assert check_upload(200, JSON, json.dumps({**right, "sha256": "0"}).encode()) != []


def test_multipart_body_matches_the_wrk_script() -> None:
    """The probe's body is the one upload.lua builds: field `file`, the payload, a boundary."""
    body = multipart_body()
    assert body.startswith(b"--" + validate.BOUNDARY.encode() + b"\r\n")
    assert b'name="file"; filename="payload.bin"' in body
    assert PAYLOAD in body
    assert body.endswith(b"\r\n--" + validate.BOUNDARY.encode() + b"--\r\n")
    lua = (Path(__file__).resolve().parents[2] / "benchmarks/wrk/upload.lua").read_text()
    assert validate.BOUNDARY in lua
    assert "string.rep(table.concat(bytes), 400)" in lua
