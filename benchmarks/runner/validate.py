"""Response validators: does an answer follow the test's rules? Pure functions, no I/O.

Each validator takes the status, the headers (names in lower case) and the body, and returns
the list of problems found — empty when the answer is right. The runner sends every probe of
a test before measuring it; any problem fails that framework's cell.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.runner.database import FORTUNES

Validator = Callable[[int, Mapping[str, str], bytes], list[str]]

HELLO = "Hello, World!"
EXTRA_FORTUNE = "Additional fortune added at request time."
WORLD_ROWS = 10_000
PAYLOAD = bytes(range(256)) * 400
"""The uploaded file: 102,400 bytes, the same as ``benchmarks/wrk/upload.lua`` builds."""
BOUNDARY = "schooner-bench-boundary-7d0b1c"
API_ITEM = {"name": "Anchor", "price": 49.5, "tags": ["deck", "brass"]}
API_TOKEN = "bench-token"
API_ITEM_ID = 42


@dataclass(frozen=True)
class Probe:
    """One request sent before measuring, and the check its answer must pass."""

    path: str
    check: Validator
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


def _status(expected: int, status: int) -> list[str]:
    return [] if status == expected else [f"status {status}, expected {expected}"]


def _content_type(expected: str, headers: Mapping[str, str]) -> list[str]:
    actual = headers.get("content-type", "")
    if actual.split(";")[0].strip().lower() != expected:
        return [f"content-type {actual!r}, expected {expected}"]
    return []


def _json(body: bytes) -> tuple[Any, list[str]]:
    try:
        return json.loads(body), []
    except ValueError:
        return None, [f"body is not JSON: {body[:80]!r}"]


def check_plaintext(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """``Hello, World!`` as ``text/plain``."""
    problems = _status(200, status) + _content_type("text/plain", headers)
    if body != HELLO.encode():
        problems.append(f"body {body[:80]!r}, expected {HELLO!r}")
    return problems


def check_json(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """``{"message": "Hello, World!"}`` as ``application/json``."""
    problems = _status(200, status) + _content_type("application/json", headers)
    data, errors = _json(body)
    if errors:
        return problems + errors
    if data != {"message": HELLO}:
        problems.append(f"JSON {data!r}, expected {{'message': {HELLO!r}}}")
    return problems


def world_problems(world: Any) -> list[str]:
    """Problems of one ``{"id": …, "randomNumber": …}`` object (both 1..10,000)."""
    if not isinstance(world, dict) or set(world) != {"id", "randomNumber"}:
        return [f"world {world!r} must have exactly 'id' and 'randomNumber'"]
    problems = []
    for key in ("id", "randomNumber"):
        value = world[key]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= WORLD_ROWS:
            problems.append(f"world {key} {value!r} is not an integer in 1..{WORLD_ROWS}")
    return problems


def check_db(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """One world object."""
    problems = _status(200, status) + _content_type("application/json", headers)
    data, errors = _json(body)
    return problems + (errors or world_problems(data))


def worlds_checker(count: int) -> Validator:
    """A validator of a JSON array of exactly ``count`` world objects."""

    def check(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
        problems = _status(200, status) + _content_type("application/json", headers)
        data, errors = _json(body)
        if errors:
            return problems + errors
        if not isinstance(data, list) or len(data) != count:
            size = len(data) if isinstance(data, list) else type(data).__name__
            return [*problems, f"expected a list of {count} worlds, got {size}"]
        for world in data:
            problems += world_problems(world)
        return problems

    return check


def expected_fortunes() -> list[tuple[int, str]]:
    """The rows the fortunes page must show, in order: all 12 plus the extra one, sorted."""
    return sorted([*FORTUNES, (0, EXTRA_FORTUNE)], key=lambda row: row[1])


_ROW = re.compile(r"<tr>\s*<td>\s*(\d+)\s*</td>\s*<td>(.*?)</td>\s*</tr>", re.DOTALL)


def check_fortunes(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """The HTML table of fortunes: every row, sorted by message, with the text escaped."""
    problems = _status(200, status) + _content_type("text/html", headers)
    try:
        page = body.decode("utf-8")
    except UnicodeDecodeError:
        return [*problems, "body is not UTF-8"]
    if "<title>Fortunes</title>" not in page:
        problems.append("no <title>Fortunes</title>")
    rows = _ROW.findall(page)
    for _, cell in rows:
        if "<" in cell or ">" in cell:
            problems.append(f"unescaped markup in {cell[:60]!r}")
    found = [(int(fid), html.unescape(cell)) for fid, cell in rows]
    if found != expected_fortunes():
        problems.append(f"rows {found[:3]!r}… differ from the 13 expected fortunes in order")
    return problems


def check_api(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """The echo of the valid ``api`` request."""
    problems = _status(200, status) + _content_type("application/json", headers)
    data, errors = _json(body)
    if errors:
        return problems + errors
    expected = {"item_id": API_ITEM_ID, "verbose": True, "token": API_TOKEN, "item": API_ITEM}
    if data != expected:
        problems.append(f"JSON {data!r}, expected {expected!r}")
    return problems


def check_unprocessable(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """Invalid input must be answered with ``422``."""
    return _status(422, status)


def check_upload(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """The size and SHA-256 of the uploaded file."""
    problems = _status(200, status) + _content_type("application/json", headers)
    data, errors = _json(body)
    if errors:
        return problems + errors
    expected = {"size": len(PAYLOAD), "sha256": hashlib.sha256(PAYLOAD).hexdigest()}
    if data != expected:
        problems.append(f"JSON {data!r}, expected {expected!r}")
    return problems


def multipart_body() -> bytes:
    """The ``multipart/form-data`` body of the upload (field ``file``)."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="payload.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + PAYLOAD + f"\r\n--{BOUNDARY}--\r\n".encode()


def api_probes() -> list[Probe]:
    """A valid request, an invalid body and a missing header."""
    path = f"/api/items/{API_ITEM_ID}?verbose=true"
    headers = {"content-type": "application/json", "x-token": API_TOKEN}
    valid = json.dumps(API_ITEM).encode()
    invalid = json.dumps({"name": "", "price": -1}).encode()
    no_token = {"content-type": "application/json"}
    return [
        Probe(path, check_api, "POST", headers, valid),
        Probe(path, check_unprocessable, "POST", headers, invalid),
        Probe(path, check_unprocessable, "POST", no_token, valid),
    ]


def query_probes(path: str) -> list[Probe]:
    """``queries`` clamped to 1..500; a non-integer counts as 1."""
    cases = {"20": 20, "1": 1, "0": 1, "-5": 1, "foo": 1, "501": 500, "": 1}
    return [Probe(f"{path}?queries={raw}", worlds_checker(count)) for raw, count in cases.items()]
