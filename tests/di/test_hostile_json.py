"""JSON bodies a client controls never cause a 5xx: huge numbers, deep nesting, odd bytes."""
# No "from __future__ import annotations": handlers here refer to local names, which
# string annotations could not resolve.

import time
from typing import Annotated, Any

import msgspec
import pydantic
import pytest

from schooner import App, Body, Request
from schooner.config import Settings
from schooner.testing import TestClient

PRODUCTION = Settings(environment="production", secret_key="s" * 40, allowed_hosts=["testserver"])

DEEP = b"[" * 1000 + b"]" * 1000
HOSTILE = {
    "float out of range": b'{"price":1e400}',
    "100,000-digit integer": b'{"price":' + b"9" * 100_000 + b"}",
    "1000-deep array": DEEP,
    "1000-deep field": b'{"price":' + DEEP + b"}",
    "1000-deep object": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "NUL in a string": b'{"price":"\\u0000"}',
    "invalid UTF-8": b'{"price":"\xff\xfe"}',
    "lone surrogate": b'{"price":"\\ud800"}',
    # The typed decoder refuses the 0 before it sees the junk; the second decode did not.
    "wrong type, then trailing junk": b"0}",
}


class Item(msgspec.Struct):
    """A body with one float field."""

    price: float


class PydanticItem(pydantic.BaseModel):
    """The same body as a pydantic model."""

    price: float


def hostile_app() -> App:
    """A production app with every kind of JSON body a handler can take."""
    app = App(settings=PRODUCTION)

    @app.post("/struct")
    async def struct(item: Item) -> dict[str, bool]:
        return {"ok": True}

    @app.post("/list")
    async def many(items: list[Item]) -> dict[str, bool]:
        return {"ok": True}

    @app.post("/dict")
    async def untyped(data: Annotated[dict[str, Any], Body()]) -> dict[str, bool]:
        return {"ok": True}

    @app.post("/any")
    async def anything(data: Annotated[Any, Body()]) -> dict[str, bool]:
        return {"ok": True}

    @app.post("/pydantic")
    async def model(item: PydanticItem) -> dict[str, bool]:
        return {"ok": True}

    @app.post("/request-json")
    async def raw(request: Request) -> dict[str, bool]:
        await request.json()
        return {"ok": True}

    return app


@pytest.fixture(scope="module")
def client() -> Any:
    """One client for the module (the app is the same for every case)."""
    with TestClient(hostile_app(), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(
    "path", ["/struct", "/list", "/dict", "/any", "/pydantic", "/request-json"]
)
@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_json_is_a_4xx_problem(client: TestClient, path: str, body: bytes) -> None:
    """Each hostile body gets a 4xx problem response (or is accepted), never a 5xx."""
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


def test_out_of_range_number_is_located(client: TestClient) -> None:
    """A number msgspec cannot hold is a 422 on the field that carries it."""
    response = client.post("/struct", content=HOSTILE["float out of range"])
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "price"], "msg": "Number out of range", "type": "invalid"}
    ]


@pytest.mark.parametrize("path", ["/dict", "/any", "/request-json"])
def test_deep_nesting_is_malformed_json(client: TestClient, path: str) -> None:
    """Nesting deeper than the decoder follows is a 400 that says why."""
    response = client.post(path, content=b'{"price":' + DEEP + b"}")
    assert response.status_code == 400
    assert response.json()["detail"] == "Malformed JSON body: it is nested too deeply."


def test_deep_nesting_where_a_struct_wants_a_number_is_located(client: TestClient) -> None:
    """A typed decoder refuses the first bracket, so deep nesting there is a located 422."""
    response = client.post("/struct", content=b'{"price":' + DEEP + b"}")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "price"], "msg": "Expected `float`, got `array`", "type": "invalid"}
    ]


def test_every_failing_field_is_still_reported(client: TestClient) -> None:
    """The slower pass that lists every failure still runs when the body can be re-read."""
    response = client.post("/list", content=b'[{"price":"a"},{"price":1},{}]')
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", 0, "price"],
        ["body", 2, "price"],
    ]


class Node(msgspec.Struct):
    """A recursive body: the error walk follows it as deep as the client nests it."""

    n: int
    kids: "list[Node]" = []


def test_deep_recursive_body_reports_an_error() -> None:
    """A bad leaf deep in a recursive type is a 4xx at every depth the client picks."""
    app = App(settings=PRODUCTION)

    @app.post("/tree")
    async def tree(node: Node) -> int:
        return node.n

    with TestClient(app, raise_server_exceptions=False) as client:
        for depth in range(400, 520):
            body = '{"n":1,"kids":[' * depth + '{"n":"x"}' + "]}" * depth
            response = client.post("/tree", content=body)
            assert response.status_code in (400, 422), (depth, response.text)


def test_a_huge_list_of_bad_items_is_answered_quickly(client: TestClient) -> None:
    """70,000 bad items (1 MB) give a 422 listing the first 100, not 70,000 (10 s of CPU)."""
    body = b"[" + b",".join([b'{"price":"a"}'] * 70_000) + b"]"
    started = time.perf_counter()
    response = client.post("/list", content=body)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 100
    assert errors[99]["loc"] == ["body", 99, "price"]
    assert elapsed < 2.0
