"""Tests for the per-request session: commit before the response, rollback, close, savepoints."""

# No "from __future__ import annotations": handlers here refer to local names.

import logging
from typing import Annotated, Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from schooner import HTTPException, Inject
from schooner.contrib.orm import Database
from schooner.contrib.orm.testing import TestDatabase
from schooner.testing import TestClient

from .conftest import AppFactory, run
from .models import Ship


def ship_names(test_db: TestDatabase) -> list[str]:
    """Names of the ships stored (committed) in the test database, sorted."""

    async def names(db: Database) -> list[str]:
        async with db.transaction() as session:
            return list((await session.scalars(select(Ship.name).order_by(Ship.name))).all())

    result: list[str] = run(test_db, names)
    return result


def test_commit_when_the_handler_returns(test_db: TestDatabase, make_app: AppFactory) -> None:
    """A row added by a handler that returns normally is committed."""
    app, _ = make_app(test_db.url)

    @app.post("/ships")
    async def add(name: str, session: AsyncSession) -> dict[str, str]:
        session.add(Ship(name=name))
        return {"added": name}

    with TestClient(app) as client:
        assert client.post("/ships?name=Bluenose").json() == {"added": "Bluenose"}
    assert ship_names(test_db) == ["Bluenose"]


def test_a_handler_that_writes_then_raises_leaves_no_row(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """The issue's acceptance test: write, flush, then raise — nothing is stored."""
    app, _ = make_app(test_db.url)

    @app.post("/ships")
    async def add(name: str, session: AsyncSession) -> None:
        session.add(Ship(name=name))
        await session.flush()  # the INSERT really reached the database
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/ships?name=Doomed").status_code == 500
    assert ship_names(test_db) == []


def test_http_exception_rolls_back(test_db: TestDatabase, make_app: AppFactory) -> None:
    """An ``HTTPException`` becomes its response and the handler's writes are rolled back."""
    app, _ = make_app(test_db.url)

    @app.post("/ships")
    async def add(name: str, session: AsyncSession) -> None:
        session.add(Ship(name=name))
        await session.flush()
        raise HTTPException(403, "Not your ship.")

    with TestClient(app) as client:
        response = client.post("/ships?name=Stolen")
    assert response.status_code == 403
    assert response.json()["detail"] == "Not your ship."
    assert ship_names(test_db) == []


def test_unique_violation_at_commit_is_a_409_and_nothing_is_stored(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """A constraint that fails at commit (after the handler returned) answers 409, not 200."""
    app, _ = make_app(test_db.url)

    @app.post("/pair")
    async def add_pair(session: AsyncSession) -> dict[str, bool]:
        session.add(Ship(name="Unique"))
        session.add(Ship(name="Other"))
        await session.flush()
        session.add(Ship(name="Unique"))  # flushed only by the commit
        return {"ok": True}

    with TestClient(app) as client:
        response = client.post("/pair")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "A record with the same unique value already exists."
    assert "INSERT" not in response.text  # no SQL leaks to the client
    assert ship_names(test_db) == []


def test_unique_violation_in_the_handler_is_a_409(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """An ``IntegrityError`` raised by a flush inside the handler also answers 409."""
    app, _ = make_app(test_db.url)

    @app.post("/ships")
    async def add(name: str, session: AsyncSession) -> None:
        session.add(Ship(name=name))
        await session.flush()

    with TestClient(app) as client:
        assert client.post("/ships?name=Twin").status_code == 204
        assert client.post("/ships?name=Twin").status_code == 409
    assert ship_names(test_db) == ["Twin"]


def test_conflict_status_none_makes_conflicts_server_errors(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """With ``conflict_status=None`` a failed constraint is an ordinary 500."""
    from schooner.contrib.orm import DatabaseConfig

    app, _ = make_app(sqlite_db.url, config=DatabaseConfig(conflict_status=None))

    @app.post("/twice")
    async def twice(session: AsyncSession) -> None:
        session.add_all([Ship(name="Same"), Ship(name="Same")])

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/twice").status_code == 500


def test_other_commit_failure_is_a_500_not_a_success(
    sqlite_db: TestDatabase, make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A commit failing for another reason answers 500; the client never sees success."""
    app, _db = make_app(sqlite_db.url)

    @app.post("/ships")
    async def add(session: AsyncSession) -> dict[str, bool]:
        event.listen(session.sync_session, "before_commit", _refuse)
        session.add(Ship(name="Never"))
        return {"ok": True}

    with caplog.at_level(logging.ERROR), TestClient(app, raise_server_exceptions=False) as c:
        response = c.post("/ships")
    assert response.status_code == 500
    assert "ok" not in response.text
    assert ship_names(sqlite_db) == []


def _refuse(session: Any) -> None:
    raise RuntimeError("commit refused")


def test_session_is_closed_after_every_request(test_db: TestDatabase, make_app: AppFactory) -> None:
    """Success, error and HTTP error all give the connection back to the pool."""
    app, db = make_app(test_db.url)

    @app.get("/ok")
    async def ok(session: AsyncSession) -> int:
        return int((await session.execute(select(func.count()).select_from(Ship))).scalar_one())

    @app.get("/fail")
    async def fail(session: AsyncSession) -> None:
        await session.execute(select(1))
        raise RuntimeError("boom")

    @app.get("/missing")
    async def missing(session: AsyncSession) -> None:
        await session.execute(select(1))
        raise HTTPException(404)

    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/ok", "/fail", "/missing"):
            client.get(path)
            assert db.engine.pool.checkedout() == 0, path  # type: ignore[attr-defined]


def test_one_session_per_request_shared_by_dependencies(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A dependency and the handler that both ask for a session get the same one."""
    app, db = make_app(sqlite_db.url)

    async def repository(session: AsyncSession) -> AsyncSession:
        return session

    @app.get("/same")
    async def same(
        session: AsyncSession, other: Annotated[AsyncSession, Inject(repository)]
    ) -> bool:
        return session is other

    @app.get("/explicit")
    async def explicit(session: Annotated[AsyncSession, Inject(db.session)]) -> str:
        return type(session).__name__

    with TestClient(app) as client:
        assert client.get("/same").json() is True
        assert client.get("/explicit").text == "AsyncSession"


def test_savepoint_rolls_back_only_its_block(test_db: TestDatabase, make_app: AppFactory) -> None:
    """``begin_nested()`` undoes its own block and keeps the rest of the request's work."""
    app, _ = make_app(test_db.url)

    @app.post("/voyage")
    async def voyage(session: AsyncSession) -> dict[str, str]:
        session.add(Ship(name="Kept"))
        try:
            async with session.begin_nested():
                session.add(Ship(name="Undone"))
                await session.flush()
                raise ValueError("change of plan")
        except ValueError:
            pass
        async with session.begin_nested():
            session.add(Ship(name="Also kept"))
        return {"status": "sailed"}

    with TestClient(app) as client:
        assert client.post("/voyage").status_code == 200
    assert ship_names(test_db) == ["Also kept", "Kept"]


def test_explicit_commit_survives_a_later_error(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """What the handler committed itself stays; only the work after it is rolled back."""
    app, _ = make_app(test_db.url)

    @app.post("/steps")
    async def steps(session: AsyncSession) -> None:
        session.add(Ship(name="First"))
        await session.commit()
        session.add(Ship(name="Second"))
        raise HTTPException(409, "Stopped halfway.")

    with TestClient(app) as client:
        assert client.post("/steps").status_code == 409
    assert ship_names(test_db) == ["First"]


def test_sync_handler_gets_a_sync_session(test_db: TestDatabase, make_app: AppFactory) -> None:
    """A ``def`` handler asking for ``Session`` gets one, committed and rolled back alike."""
    app, _ = make_app(test_db.url)

    @app.post("/sync")
    def add(name: str, session: Session) -> dict[str, int]:
        session.add(Ship(name=name))
        session.flush()
        count = session.scalar(select(func.count()).select_from(Ship))
        if name == "bad":
            raise HTTPException(400, "Bad name.")
        return {"count": int(count or 0)}

    @app.post("/sync-twice")
    def twice(session: Session) -> None:
        session.add(Ship(name="Sync"))

    with TestClient(app) as client:
        assert client.post("/sync?name=Sync").json() == {"count": 1}
        assert client.post("/sync?name=bad").status_code == 400
        assert client.post("/sync-twice").status_code == 409  # unique, at commit
    assert ship_names(test_db) == ["Sync"]


def test_websocket_session_commits_when_the_handler_returns(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A websocket handler's session is committed when it returns (no response to hold)."""
    from schooner.websockets import WebSocket

    app, _ = make_app(sqlite_db.url)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, session: AsyncSession) -> None:
        await websocket.accept()
        session.add(Ship(name=await websocket.receive_text()))
        await websocket.send_text("stored")
        await websocket.close()

    with TestClient(app) as client, client.websocket_connect("/ws") as socket:
        socket.send_text("Socket")
        assert socket.receive_text() == "stored"
    assert ship_names(sqlite_db) == ["Socket"]


def test_transaction_middleware_is_one_layer_for_all_databases(make_app: AppFactory) -> None:
    """The commit layer shows up once in the middleware chain, whatever the number of databases."""
    from schooner import App

    app = App(
        components=[
            Database("sqlite+aiosqlite:///:memory:"),
            Database("sqlite+aiosqlite:///:memory:", name="other"),
        ]
    )
    assert app.middleware_chain("/").count("orm.transactions") == 1


def test_commit_through_function_middleware(sqlite_db: TestDatabase, make_app: AppFactory) -> None:
    """Middleware declared after the component wraps the handler; commits still precede it."""
    app, _ = make_app(sqlite_db.url)

    @app.middleware
    async def stamp(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-stamp"] = "yes"
        return response

    @app.post("/ships")
    async def add(name: str, session: AsyncSession) -> dict[str, str]:
        session.add(Ship(name=name))
        return {"added": name}

    with TestClient(app) as client:
        assert client.post("/ships?name=Once").headers["x-stamp"] == "yes"
        assert client.post("/ships?name=Once").status_code == 409
    chain = app.middleware_chain("/ships", "POST")
    assert chain[1] == "orm.transactions"
    assert chain[2].endswith("stamp")
    assert ship_names(sqlite_db) == ["Once"]
