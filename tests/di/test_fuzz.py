"""Fuzzing typed routes through the whole ASGI stack: whatever a client sends, never a 5xx.

hypothesis generates JSON bodies (huge numbers, deep nesting, NULs, invalid UTF-8), query
strings, headers, cookies and multipart bodies, and sends them through the test client to a
production app. Every answer must be below 500, and every 4xx an RFC 9457 problem document.
"""
# No "from __future__ import annotations": handlers here refer to local names, which
# string annotations could not resolve.

import json
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schooner import App, Cookie, Form, Header, Path, Query, UploadFile
from schooner.config import Settings
from schooner.testing import TestClient

PRODUCTION = Settings(environment="production", secret_key="s" * 40, allowed_hosts=["testserver"])
FUZZ = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,  # the same cases on every run: a CI failure reproduces locally
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Item(msgspec.Struct):
    """The typed body: scalars with constraints, a list, a nested mapping."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    price: Annotated[float, msgspec.Meta(ge=0)]
    quantity: int = 1
    tags: list[str] = []
    extra: dict[str, Any] = {}


class Upload(msgspec.Struct):
    """A typed form with a file."""

    title: str
    file: UploadFile
    copies: int = 1


def fuzz_app() -> App:
    """A production app with a route that reads every kind of parameter."""
    app = App(settings=PRODUCTION)

    @app.post("/shops/{shop_id:int}/items/{code}")
    async def add_item(
        shop_id: int,
        code: Annotated[str, Path(max_length=8)],
        item: Item,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        tag: list[str] | None = None,
        x_request: Annotated[str | None, Header()] = None,
        currency: Annotated[str, Cookie(pattern="^[A-Z]{3}$")] = "EUR",
    ) -> dict[str, Any]:
        return {"shop": shop_id, "code": code, "name": item.name, "limit": limit}

    @app.post("/uploads")
    async def upload(form: Annotated[Upload, Form()]) -> dict[str, Any]:
        return {"title": form.title, "size": form.file.size, "name": form.file.filename}

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """One client for the module: hypothesis calls the test many times."""
    with TestClient(fuzz_app(), raise_server_exceptions=False) as client:
        yield client


def check(response: httpx.Response) -> None:
    """No 5xx; a 4xx is a problem document."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code


# -- JSON bodies ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ITEM_KEYS = ["name", "price", "quantity", "tags", "extra"]
item_like = st.dictionaries(st.sampled_from(ITEM_KEYS), json_values, max_size=5)


@st.composite
def hostile_json(draw: st.DrawFn) -> bytes:
    """Bytes that are JSON, almost JSON, or JSON a decoder cannot hold."""
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return json.dumps(draw(json_values)).encode()
    if kind == 1:
        return json.dumps(draw(item_like)).encode()
    if kind == 2:  # a number no float or 64-bit int holds, where a field wants one
        digits = draw(st.integers(20, 100_000))
        number = draw(st.sampled_from([b"9" * digits, b"1e400", b"-1e400", b"1e-400"]))
        field = draw(st.sampled_from([b"price", b"quantity", b"extra"]))
        return b'{"name":"a","' + field + b'":' + number + b"}"
    if kind == 3:  # deep nesting, as a field or as the whole body
        depth = draw(st.integers(100, 3000))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        nested = opener * depth + b"1" + closer * depth
        return draw(st.sampled_from([nested, b'{"name":"a","price":1,"extra":' + nested + b"}"]))
    if kind == 4:  # NULs and escapes in strings
        text = draw(st.text(alphabet=st.sampled_from(["\x00", "\\", '"', "\u2028", "a", "\ud7ff"])))
        return json.dumps({"name": text, "price": 1, "tags": [text]}).encode()
    if kind == 5:  # bytes that are not UTF-8, inside and outside strings
        junk = draw(st.binary(min_size=1, max_size=40))
        return draw(st.sampled_from([b'{"name":"' + junk + b'","price":1}', junk]))
    if kind == 6:  # valid JSON cut short, or followed by junk
        whole = json.dumps(draw(item_like)).encode()
        cut = draw(st.integers(0, len(whole)))
        return whole[:cut] + draw(st.binary(max_size=4))
    return draw(st.binary(max_size=200))


content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/",
        ";;;",
    ]
)


@FUZZ
@given(body=hostile_json(), content_type=content_types)
def test_json_bodies(client: TestClient, body: bytes, content_type: str | None) -> None:
    """Generated bodies to the typed route are answered, never with a 5xx."""
    headers = {"content-type": content_type} if content_type is not None else {}
    check(client.post("/shops/1/items/ab", content=body, headers=headers))


# -- query strings, path segments, headers and cookies --------------------------------------

wire_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
raw_query_parts = st.sampled_from(["%", "%ZZ", "%FF", "%C3%28", "&&", "=", "+", "%00", "limit="])
query_pairs = st.lists(
    st.tuples(st.sampled_from(["limit", "tag", "x", ""]) | wire_text, wire_text), max_size=6
)
header_text = st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=60).map(
    str.strip
)
header_names = st.sampled_from(["x-request", "cookie", "accept", "x-other", "content-encoding"])


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    """Well-formed pairs, percent-encoded, mixed with broken escapes."""
    parts = [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in draw(query_pairs)]
    parts += draw(st.lists(raw_query_parts, max_size=3))
    return "&".join(draw(st.permutations(parts)))


@FUZZ
@given(
    shop=st.one_of(  # mostly a shop that exists, so the other inputs get read
        st.just("1"),
        st.just("1"),
        st.sampled_from(["0", "18446744073709551616", "-1", "%FF", "%2F", "a%20b"]),
        wire_text.map(lambda text: quote(text, safe="")),
    ),
    code=wire_text,
    query=query_strings(),
    headers=st.dictionaries(header_names, header_text, max_size=4),
    cookie=header_text,
)
def test_query_path_headers_and_cookies(
    client: TestClient,
    shop: str,
    code: str,
    query: str,
    headers: dict[str, str],
    cookie: str,
) -> None:
    """Generated URLs, headers and cookies (with a valid body) never give a 5xx."""
    url = f"/shops/{shop}/items/{quote(code, safe='')}?{query}"
    sent = {**headers, "cookie": cookie, "content-type": "application/json"}
    raw = {name: value.encode("latin-1") for name, value in sent.items()}  # bytes as they are
    check(client.post(url, content=b'{"name":"a","price":1}', headers=raw))


# -- multipart bodies -----------------------------------------------------------------------

BOUNDARY = b"fuzzb0undary"
part_names = st.sampled_from([b"title", b"file", b"copies", b"other"]) | st.binary(max_size=12)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> bytes:
    """Multipart bodies with odd names, filenames and contents, sometimes cut short."""
    parts = []
    if draw(st.booleans()):  # start from a valid form, so validation and uploads are reached
        parts.append(
            b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="title"\r\n\r\nt\r\n'
        )
        parts.append(
            b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="f"'
            b"\r\n\r\ndata\r\n"
        )
    for _ in range(draw(st.integers(0, 4))):
        disposition = b'form-data; name="' + draw(part_names) + b'"'
        if draw(st.booleans()):
            disposition += b'; filename="' + draw(st.binary(max_size=30)) + b'"'
        headers = b"Content-Disposition: " + disposition + b"\r\n"
        if draw(st.booleans()):
            headers += b"Content-Type: " + draw(st.binary(max_size=20)) + b"\r\n"
        content = draw(st.binary(max_size=100))
        parts.append(b"--" + BOUNDARY + b"\r\n" + headers + b"\r\n" + content + b"\r\n")
    body = b"".join(parts) + b"--" + BOUNDARY + b"--\r\n"
    if draw(st.booleans()):
        body = body[: draw(st.integers(0, len(body)))]
    return body


@FUZZ
@given(body=multipart_bodies(), to_json_route=st.booleans())
def test_multipart_bodies(client: TestClient, body: bytes, to_json_route: bool) -> None:
    """Generated multipart bodies, to the form route and to the JSON route, never a 5xx."""
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY.decode()}"}
    url = "/shops/1/items/ab" if to_json_route else "/uploads"
    check(client.post(url, content=body, headers=headers))


def test_the_fuzzed_routes_do_answer_success() -> None:
    """The routes are reachable with good input, so the fuzzing is not all 404s."""
    with TestClient(fuzz_app()) as client:
        ok = client.post(
            "/shops/1/items/ab?limit=5&tag=a",
            json={"name": "rope", "price": 3.5},
            headers={"x-request": "r", "cookie": "currency=USD"},
        )
        assert ok.json() == {"shop": 1, "code": "ab", "name": "rope", "limit": 5}
        uploaded = client.post(
            "/uploads", data={"title": "t"}, files={"file": ("../../a.txt", b"abc")}
        )
        assert uploaded.json() == {"title": "t", "size": 3, "name": "a.txt"}
