"""JSON has one number type: an integral float (``761.0``, ``7.61e2``) is an integer.

JSON Schema, and so the OpenAPI document a client reads, calls ``761.0`` an integer; a client
(or a fuzzer such as schemathesis) may send it for an ``int`` field. Bodies and WebSocket
messages accept it as that integer; a fraction, or a float too large to be the integer the
client meant, stays a located 422.
"""
# No "from __future__ import annotations": handlers here refer to local names.

from collections.abc import Iterator
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schooner import App
from schooner.testing import TestClient
from schooner.websockets import WebSocket, WebSocketDisconnect


class Line(msgspec.Struct):
    """An order line: every kind of int field, and a float one."""

    quantity: int
    price: float = 0.0
    sizes: list[int] = []
    limit: Annotated[int, msgspec.Meta(ge=1)] = 1
    note: int | None = None


def make_app() -> App:
    """An app echoing an order line from a body and from WebSocket messages."""
    app = App()

    @app.post("/lines")
    async def create(line: Line) -> dict[str, Any]:
        return msgspec.to_builtins(line)  # type: ignore[no-any-return]

    @app.websocket("/lines")
    async def stream(ws: WebSocket) -> None:
        await ws.accept()
        while True:
            line = await ws.receive_json(Line)
            await ws.send_json({"quantity": line.quantity})

    return app


FLOAT = "Expected `int`, got `float`"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """One client for the module, closed at its end (its loop thread stops)."""
    with TestClient(make_app()) as client:
        yield client


def post(client: TestClient, body: str) -> Any:
    return client.post("/lines", content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("body", "echoed"),
    [
        ('{"quantity": 761.0}', {"quantity": 761}),
        ('{"quantity": 7.61e2}', {"quantity": 761}),
        ('{"quantity": -0.0}', {"quantity": 0}),
        ('{"quantity": 1, "sizes": [1.0, 2, 3e0], "note": 4.0}', {"sizes": [1, 2, 3], "note": 4}),
        ('{"quantity": 2.0, "price": 2.0, "limit": 5.0}', {"price": 2.0, "limit": 5}),
    ],
)
def test_integral_floats_are_integers(
    client: TestClient, body: str, echoed: dict[str, Any]
) -> None:
    """Every int field (in a list, optional, constrained) takes an integral float as its int;
    float fields keep their floats."""
    reply = post(client, body)
    assert reply.status_code == 200, reply.text
    got = reply.json()
    assert {key: got[key] for key in echoed} == echoed
    assert all(type(got[key]) is type(value) for key, value in echoed.items())


@pytest.mark.parametrize(
    ("body", "loc", "msg"),
    [
        ('{"quantity": 761.5}', ["body", "quantity"], FLOAT),
        ('{"quantity": 1e30}', ["body", "quantity"], FLOAT),
        ('{"quantity": 1, "sizes": [1.0, 2.5]}', ["body", "sizes", 1], FLOAT),
        # Integral, so it is an int: the constraint is what fails, and the answer says so.
        ('{"quantity": 1, "limit": 0.0}', ["body", "limit"], "Expected `int` >= 1"),
    ],
)
def test_other_floats_stay_refused(client: TestClient, body: str, loc: list[Any], msg: str) -> None:
    """A fraction, or a float past 2**53 (no longer the integer the client wrote), is a 422
    located at the field, with the reason a client can act on."""
    reply = post(client, body)
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"] == [{"loc": loc, "msg": msg, "type": "invalid"}]


def test_every_error_is_still_reported(client: TestClient) -> None:
    """An integral float beside other faults: the faults are reported, the float is not."""
    reply = post(client, '{"quantity": 3.0, "price": "x", "sizes": [1.5]}')
    assert reply.status_code == 422
    assert [error["loc"] for error in reply.json()["errors"]] == [
        ["body", "price"],
        ["body", "sizes", 0],
    ]


def test_websocket_messages_take_integral_floats(client: TestClient) -> None:
    """receive_json(type) follows the same rule as a body."""
    with client.websocket_connect("/lines") as ws:
        ws.send_text('{"quantity": 42.0}')
        assert ws.receive_json() == {"quantity": 42}
        ws.send_text('{"quantity": 4.5}')
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
    assert info.value.code == 1007


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_any_exact_integral_float_round_trips(client: TestClient, number: int) -> None:
    """Through the real ASGI stack: ``float(n)`` written as JSON comes back as ``n``."""
    reply = post(client, msgspec.json.encode({"quantity": float(number)}).decode())
    assert reply.status_code == 200, reply.text
    assert reply.json()["quantity"] == number


def test_a_long_list_of_integral_floats_is_fixed_at_once(client: TestClient) -> None:
    """A list of ints written as floats costs one more conversion, not one per item."""
    sizes = [float(n) for n in range(5000)]
    reply = post(client, msgspec.json.encode({"quantity": 1, "sizes": sizes}).decode())
    assert reply.status_code == 200, reply.text
    assert reply.json()["sizes"] == list(range(5000))
