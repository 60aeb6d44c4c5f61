"""Tests for wire schemas: derived and explicit schemas, private columns, bodies to rows."""
# No "from __future__ import annotations": handlers here refer to local names.

from datetime import datetime
from typing import Any

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from schooner.contrib.orm import (
    AsyncSession,
    ModelSchema,
    SerializationError,
    apply_update,
    create,
    get_or_404,
    model_from,
    schema_for,
)
from schooner.contrib.orm.testing import TestDatabase
from schooner.testing import TestClient

from .conftest import AppFactory
from .models import Port, Ship

ShipCreate = schema_for(Ship, include={"name", "tonnage", "captain"}, mode="create")
ShipPatch = schema_for(Ship, mode="update")


def encode(schema: type[Any]) -> dict[str, Any]:
    """The JSON Schema of ``schema`` (what OpenAPI will show)."""
    result: dict[str, Any] = msgspec.json.schema(schema)["$defs"][schema.__name__]
    return result


def test_derived_output_schema_has_public_columns_only() -> None:
    """Every column but the private one, all required, with lengths and docs from the model."""
    schema = schema_for(Ship)
    described = encode(schema)
    assert set(described["properties"]) == {
        "id", "name", "tonnage", "captain", "port_id", "created_at", "updated_at"
    }  # fmt: skip
    assert "secret_code" not in described["properties"]
    assert set(described["required"]) == set(described["properties"])
    assert described["properties"]["name"] == {
        "type": "string", "maxLength": 50, "description": "The ship's name."
    }  # fmt: skip
    assert schema.__name__ == "Ship"
    assert schema.__model__ is Ship


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        ({"include": {"id", "name"}}, {"id", "name"}),
        ({"include": {"name", "secret_code"}}, {"name", "secret_code"}),
        (
            {"exclude": {"created_at", "updated_at", "port_id", "captain"}},
            {"id", "name", "tonnage"},
        ),
        ({"include": {"name"}, "rename": {"name": "shipName"}}, {"shipName"}),
        ({"include": {"port_id"}, "rename": "camel"}, {"portId"}),
    ],
)
def test_include_exclude_rename(options: dict[str, Any], fields: set[str]) -> None:
    """``include`` picks columns (private ones only when named), ``rename`` changes JSON keys."""
    assert set(encode(schema_for(Ship, **options))["properties"]) == fields


def test_unknown_names_are_refused() -> None:
    """A typo in include/exclude/rename is an error, not a silently ignored option."""
    with pytest.raises(ValueError, match="has no column or relationship nmae"):
        schema_for(Ship, include={"nmae"})


def test_schemas_are_cached_and_customised_ones_get_distinct_names() -> None:
    """The same options give the same class; different options never share a name."""
    assert schema_for(Ship, include={"id"}) is schema_for(Ship, include={"id"})
    assert schema_for(Ship, include={"id"}).__name__ != schema_for(Ship, include={"name"}).__name__
    assert schema_for(Ship, include={"id"}, name="ShipRef").__name__ == "ShipRef"


def test_create_schema_requires_only_what_has_no_default() -> None:
    """A create body: ``name`` required, defaulted and nullable columns optional, extras refused."""
    described = encode(ShipCreate)
    assert described["required"] == ["name"]
    assert msgspec.json.decode(b'{"name": "A"}', type=ShipCreate).tonnage is msgspec.UNSET
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.json.decode(b'{"name": "A", "secret_code": "x"}', type=ShipCreate)
    with pytest.raises(msgspec.ValidationError, match="length <= 50"):
        msgspec.json.decode(b'{"name": "' + b"x" * 51 + b'"}', type=ShipCreate)


def test_input_schemas_leave_out_read_only_and_private_columns() -> None:
    """Ids, timestamps and private columns are not part of what a client may send."""
    assert set(encode(ShipPatch)["properties"]) == {"name", "tonnage", "captain", "port_id"}
    assert not encode(ShipPatch).get("required")


def test_model_from_and_apply_update_use_only_present_fields() -> None:
    """UNSET fields are skipped on create and left alone on update; null is a value."""
    body = msgspec.json.decode(b'{"name": "Bluenose", "captain": "Walters"}', type=ShipCreate)
    ship = model_from(Ship, body, tonnage=285)
    assert (ship.name, ship.captain, ship.tonnage) == ("Bluenose", "Walters", 285)
    patch = msgspec.json.decode(b'{"captain": null, "tonnage": 285}', type=ShipPatch)
    assert apply_update(ship, patch) == ["captain"]
    assert (ship.name, ship.captain) == ("Bluenose", None)
    assert apply_update(ship, {"name": "Bluenose II"}) == ["name"]
    with pytest.raises(ValueError, match="has no attribute colour"):
        model_from(Ship, {"name": "x", "colour": "red"})


def test_explicit_schema_with_nested_relationship() -> None:
    """An explicit ``ModelSchema`` reads attributes by name and converts nested models."""

    class ShipRef(ModelSchema):
        id: int
        name: str

    class PortOut(ModelSchema):
        name: str
        ships: list[ShipRef]

    port = Port(id=1, name="Lunenburg", ships=[Ship(id=7, name="Bluenose")])
    assert msgspec.to_builtins(PortOut.from_model(port)) == {
        "name": "Lunenburg", "ships": [{"id": 7, "name": "Bluenose"}]
    }  # fmt: skip


def test_pending_rows_must_be_flushed_before_they_are_sent(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """Returning an unflushed row is refused with a message that says to flush."""
    app, _ = make_app(sqlite_db.url)

    @app.post("/ships")
    async def add(session: AsyncSession) -> Ship:
        ship = Ship(name="Pending")
        session.add(ship)
        return ship

    with TestClient(app) as client, pytest.raises(SerializationError, match="flush"):
        client.post("/ships")


def test_handlers_return_models_lists_and_schemas(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """Models and lists of models go out through their wire schema; private data never does."""
    app, _ = make_app(test_db.url)
    ShipOut = schema_for(Ship, include={"id", "name", "captain"}, rename="camel")

    @app.post("/ships", status_code=201)
    async def add(body: ShipCreate, session: AsyncSession) -> Ship:  # type: ignore[valid-type]
        return await create(session, Ship, body, secret_code="s3cret")

    @app.get("/ships")
    async def ships(session: AsyncSession) -> list[Ship]:
        return list((await session.scalars(select(Ship).order_by(Ship.id))).all())

    @app.get("/ships/{ship_id:int}/brief")
    async def brief(ship_id: int, session: AsyncSession) -> Any:
        return ShipOut.from_model(await get_or_404(session, Ship, ship_id))

    with TestClient(app) as client:
        created = client.post("/ships", json={"name": "Bluenose", "captain": "Walters"})
        assert created.status_code == 201
        body = created.json()
        assert body["name"] == "Bluenose"
        assert body["tonnage"] == 0
        assert "secret_code" not in body
        assert "s3cret" not in created.text
        stamp = datetime.fromisoformat(body["created_at"])
        assert stamp.utcoffset() is not None
        assert stamp.utcoffset().total_seconds() == 0
        listed = client.get("/ships").json()
        assert [s["name"] for s in listed] == ["Bluenose"]
        assert client.get(f"/ships/{body['id']}/brief").json() == {
            "id": body["id"], "name": "Bluenose", "captain": "Walters"
        }  # fmt: skip


def test_partial_update_through_the_api(test_db: TestDatabase, make_app: AppFactory) -> None:
    """PATCH changes only the fields sent; ``updated_at`` moves, ``created_at`` does not."""
    app, _ = make_app(test_db.url)

    @app.post("/ships", status_code=201)
    async def add(body: ShipCreate, session: AsyncSession) -> Ship:  # type: ignore[valid-type]
        return await create(session, Ship, body)

    @app.patch("/ships/{ship_id:int}")
    async def patch(ship_id: int, body: ShipPatch, session: AsyncSession) -> Ship:  # type: ignore[valid-type]
        ship = await get_or_404(session, Ship, ship_id)
        apply_update(ship, body)
        await session.flush()
        return ship

    with TestClient(app) as client:
        ship = client.post("/ships", json={"name": "Bluenose", "tonnage": 285}).json()
        patched = client.patch(f"/ships/{ship['id']}", json={"captain": "Walters"}).json()
    assert (patched["name"], patched["tonnage"], patched["captain"]) == ("Bluenose", 285, "Walters")
    assert patched["created_at"] == ship["created_at"]
    assert patched["updated_at"] >= ship["updated_at"]


def test_unloaded_relationship_is_named_with_the_fix(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A nested schema over a relationship that was not loaded says how to load it."""
    app, _ = make_app(sqlite_db.url)
    ShipRef = schema_for(Ship, include={"id", "name"})
    PortOut = schema_for(Port, nested={"ships": ShipRef})

    @app.post("/ports")
    async def add(session: AsyncSession) -> Any:
        port = Port(name="Lunenburg", ships=[Ship(name="Bluenose")])
        session.add(port)
        await session.flush()
        return {"id": port.id}

    @app.get("/ports/{port_id:int}")
    async def port(port_id: int, eager: bool, session: AsyncSession) -> Any:
        options = [selectinload(Port.ships)] if eager else []
        return PortOut.from_model(await get_or_404(session, Port, port_id, options=options))

    with TestClient(app) as client:
        port_id = client.post("/ports").json()["id"]
        assert client.get(f"/ports/{port_id}?eager=true").json()["ships"][0]["name"] == "Bluenose"
        with pytest.raises(SerializationError, match=r"selectinload\(Port.ships\)"):
            client.get(f"/ports/{port_id}?eager=false")


def test_body_schemas_take_integer_columns_ranges(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A body field beyond its column's range is a 422 naming the field, before any SQL."""
    app, _ = make_app(sqlite_db.url)

    @app.post("/ships", status_code=201)
    async def add(body: ShipCreate, session: AsyncSession) -> Ship:
        return await create(session, Ship, body)

    with TestClient(app) as client:
        response = client.post("/ships", json={"name": "Huge", "tonnage": 2**31})
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert error["loc"][-1] == "tonnage"
        assert "2147483647" in error["msg"]
        assert client.post("/ships", json={"name": "Top", "tonnage": 2**31 - 1}).status_code == 201
    tonnage = encode(ShipCreate)["properties"]["tonnage"]
    assert (tonnage["minimum"], tonnage["maximum"]) == (-(2**31), 2**31 - 1)
