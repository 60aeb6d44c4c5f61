"""What the database refuses because of a client's values is a 4xx problem, never a 500."""
# No "from __future__ import annotations": handlers here refer to local names.

import httpx
import msgspec
import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import DataError, IntegrityError

from schooner import App, Response
from schooner.contrib.orm import AsyncSession, Database, get_or_404
from schooner.contrib.orm.testing import TestDatabase
from schooner.http import Request
from schooner.testing import TestClient

from .conftest import AppFactory, run
from .models import Port, Ship

BIG = 2**63  # one past the largest BIGINT


class ShipIn(msgspec.Struct):
    """A body typed loosely on purpose: the database, not msgspec, has to refuse the values."""

    name: str | None
    tonnage: int = 0
    port_id: int | None = None


def refusing_app(url: str, make_app: AppFactory) -> tuple[App, Database]:
    """Routes that hand client values to the database, flushed in the handler or at commit."""
    app, db = make_app(url)

    @app.post("/ships")
    async def add(body: ShipIn, session: AsyncSession) -> None:
        session.add(Ship(name=body.name, tonnage=body.tonnage, port_id=body.port_id))
        await session.flush()

    @app.post("/ships/at-commit")
    async def add_at_commit(body: ShipIn, session: AsyncSession) -> None:
        session.add(Ship(name=body.name, tonnage=body.tonnage, port_id=body.port_id))

    @app.get("/ships")
    async def by_tonnage(tonnage: int, session: AsyncSession) -> list[Ship]:
        return list(await session.scalars(select(Ship).where(Ship.tonnage == tonnage)))

    @app.get("/ships/{ship_id:int}")
    async def one(ship_id: int, session: AsyncSession) -> Ship:
        return await get_or_404(session, Ship, ship_id)

    return app, db


def assert_problem(response: httpx.Response, status: int, *hidden: str) -> None:
    """A problem document with ``status`` that shows no SQL and none of ``hidden``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    for leaked in ("INSERT", "SELECT", "DELETE", "orm_", *hidden):
        assert leaked not in response.text


@pytest.mark.parametrize("route", ["/ships", "/ships/at-commit"])
def test_integers_beyond_64_bits_are_a_422(
    test_db: TestDatabase, make_app: AppFactory, route: str
) -> None:
    """sqlite3's OverflowError, asyncpg's DataError and MariaDB's 1264 all become a 422."""
    app, _ = refusing_app(test_db.url, make_app)
    with TestClient(app) as client:
        response = client.post(route, json={"name": "Huge", "tonnage": BIG})
    assert_problem(response, 422, str(BIG))
    assert response.json()["detail"].startswith("A value is out of range")


def test_a_query_value_beyond_the_column_is_never_a_500(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """A typed int parameter compared in the handler's own query: 422, or no rows (MariaDB)."""
    app, _ = refusing_app(test_db.url, make_app)
    with TestClient(app) as client:
        response = client.get(f"/ships?tonnage={BIG}")
    if test_db.backend == "mysql":  # MariaDB compares the value and finds nothing
        assert response.json() == []
    else:
        assert_problem(response, 422, str(BIG))


def test_a_path_id_beyond_the_key_column_is_a_404(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """``/ships/9223372036854775808`` cannot name a row: 404 on every backend."""
    app, _ = refusing_app(test_db.url, make_app)
    with TestClient(app) as client:
        response = client.get(f"/ships/{BIG}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"No Ship with id {BIG}."


@pytest.mark.parametrize(
    ("body", "stored_by"),
    [
        ({"name": "a\x00b"}, {"sqlite", "mysql"}),  # PostgreSQL text holds no NUL
        ({"name": "x" * 60}, {"sqlite"}),  # String(50): only SQLite ignores the length
        ({"name": "Int", "tonnage": 2**31}, {"sqlite"}),  # Integer: 32 bits on the servers
    ],
    ids=["nul", "too-long", "beyond-int32"],
)
def test_values_a_backend_cannot_store_are_a_422(
    test_db: TestDatabase, make_app: AppFactory, body: dict[str, object], stored_by: set[str]
) -> None:
    """Where the backend refuses the value, the client gets a 422; where it stores it, 204."""
    app, _ = refusing_app(test_db.url, make_app)
    with TestClient(app) as client:
        flushed = client.post("/ships", json=body)
        committed = client.post("/ships/at-commit", json={**body, "name": f"{body['name']}!"})
    for response in (flushed, committed):
        if test_db.backend in stored_by:
            assert response.status_code == 204
        else:
            assert_problem(response, 422)


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"name": "Twin"}, 409, "A record with the same unique value already exists."),
        ({"name": "Lost", "port_id": 999}, 409, "The change refers to a record that does not"),
        ({"name": None}, 422, "A required value is missing."),
        ({"name": "Negative", "tonnage": -1}, 422, "A value breaks a rule the data must follow."),
    ],
    ids=["unique", "foreign-key", "not-null", "check"],
)
def test_integrity_violations(
    test_db: TestDatabase,
    make_app: AppFactory,
    body: dict[str, object],
    status: int,
    detail: str,
) -> None:
    """Conflicts with stored data are 409; values no row may hold are 422; same on each backend."""
    app, _ = refusing_app(test_db.url, make_app)
    with TestClient(app) as client:
        assert client.post("/ships", json={"name": "Twin"}).status_code == 204
        flushed = client.post("/ships", json=body)
        committed = client.post("/ships/at-commit", json=body)
    for response in (flushed, committed):
        assert_problem(response, status)
        assert response.json()["detail"].startswith(detail)


def test_a_parent_still_referenced_cannot_be_deleted(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """Deleting a row others refer to is a 409 conflict, not a 500."""
    app, _ = make_app(test_db.url)

    @app.post("/ports/{port_id:int}/ships")
    async def add(port_id: int, session: AsyncSession) -> None:
        session.add_all([Port(id=port_id, name="Halifax"), Ship(name="Moored", port_id=port_id)])

    @app.delete("/ports/{port_id:int}")
    async def remove(port_id: int, session: AsyncSession) -> None:
        await session.execute(delete(Port).where(Port.id == port_id))

    with TestClient(app) as client:
        assert client.post("/ports/7/ships").status_code == 204
        response = client.delete("/ports/7")
    assert_problem(response, 409)
    assert response.json()["detail"].startswith("The change refers to a record")


def test_the_answers_are_exception_handlers_the_app_can_replace(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A handler registered after the component's wins, in the handler and at commit."""
    app, _ = refusing_app(sqlite_db.url, make_app)
    seen: list[str] = []

    async def teapot(request: Request, exc: Exception) -> Response:
        seen.append(type(exc).__name__)
        return Response(b"refused", status_code=418)

    app.add_exception_handler(IntegrityError, teapot)
    app.add_exception_handler(DataError, teapot)
    with TestClient(app) as client:
        client.post("/ships", json={"name": "Twin"})
        assert client.post("/ships", json={"name": "Twin"}).status_code == 418
        assert client.post("/ships/at-commit", json={"name": "Twin"}).status_code == 418
        assert client.post("/ships", json={"name": "Big", "tonnage": BIG}).status_code == 418
    assert seen == ["IntegrityError", "IntegrityError", "DataError"]


def test_a_session_sees_the_same_exception_class_on_every_backend(test_db: TestDatabase) -> None:
    """Code that catches ``DataError`` around its own flush works on SQLite, PostgreSQL, MariaDB."""

    async def scenario(db: Database) -> str:
        async with db.transaction() as session:
            session.add(Ship(name="Overflow", tonnage=BIG))
            try:
                await session.flush()
            except DataError as exc:
                await session.rollback()
                return type(exc).__name__
        return "stored"

    assert run(test_db, scenario) == "DataError"
