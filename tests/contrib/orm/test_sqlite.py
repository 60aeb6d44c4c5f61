"""SQLite: writers take the write lock before their first write and queue for it; reads don't."""
# No "from __future__ import annotations": handlers here refer to local names.

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from schooner import HTTPException
from schooner.contrib.orm import (
    AsyncSession,
    Database,
    DatabaseConfig,
    ReadQuery,
    get_or_404,
)
from schooner.contrib.orm.testing import TestDatabase
from schooner.testing import AsyncTestClient, TestClient

from ._counters import counter_app
from .conftest import AppFactory, run
from .models import Counter, Ship

WRITERS = 8
COUNTERS = ReadQuery(select(Counter.value).where(Counter.id == 1))


def file_path(test_db: TestDatabase) -> str:
    """The SQLite file behind the test database."""
    database = make_url(test_db.url).database
    assert database is not None
    return database


@contextmanager
def write_lock_held(test_db: TestDatabase) -> Iterator[sqlite3.Connection]:
    """Another process's writer: a plain sqlite3 connection holding the write lock."""
    connection = sqlite3.connect(file_path(test_db), isolation_level=None, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield connection
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def test_concurrent_requests_that_read_then_write_all_succeed(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """Eight requests that each read a row, then write it, queue for the write lock: none
    fails with "database is locked" (a plain read then write is not a lock: an update may
    be lost, as at READ COMMITTED on the servers)."""
    app = counter_app(sqlite_db.url, make_app, naive_pause=0.02, locked_pause=0.002)
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        counter_id = (await client.post("/counters")).json()["id"]
        answers = await asyncio.gather(
            *(client.post(f"/counters/{counter_id}/naive") for _ in range(WRITERS))
        )
        assert [a.status_code for a in answers] == [204] * WRITERS
        assert 1 <= (await client.get(f"/counters/{counter_id}")).json()["value"] <= WRITERS


async def test_concurrent_increments_through_get_for_update_all_count(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """get_for_update reads inside the write transaction, so eight concurrent increments
    run one after the other and all count."""
    app = counter_app(sqlite_db.url, make_app, naive_pause=0.02, locked_pause=0.002)
    async with AsyncTestClient(app) as client:
        counter_id = (await client.post("/counters")).json()["id"]
        answers = await asyncio.gather(
            *(client.post(f"/counters/{counter_id}/locked") for _ in range(WRITERS))
        )
        assert [a.status_code for a in answers] == [204] * WRITERS
        assert (await client.get(f"/counters/{counter_id}")).json()["value"] == WRITERS


def test_concurrent_sync_handlers_queue_too(sqlite_db: TestDatabase, make_app: AppFactory) -> None:
    """``def`` handlers (sqlite3 in worker threads) take the write lock the same way."""
    # Fewer writers than worker threads (at least five): a handler that holds the lock
    # needs a thread again to commit, while the others wait for the lock in theirs.
    writers = 4
    app, _ = make_app(sqlite_db.url)

    @app.post("/counters/{counter_id:int}/locked")
    def locked(counter_id: int, session: Session) -> None:
        counter = session.scalars(
            select(Counter).where(Counter.id == counter_id).with_for_update()
        ).one()
        time.sleep(0.002)
        counter.value += 1

    async def add(db: Database) -> int:
        async with db.transaction() as session:
            counter = Counter(value=0)
            session.add(counter)
        return counter.id

    counter_id = run(sqlite_db, add)

    async def increments() -> list[int]:
        async with AsyncTestClient(app) as client:
            answers = await asyncio.gather(
                *(client.post(f"/counters/{counter_id}/locked") for _ in range(writers))
            )
        return [a.status_code for a in answers]

    assert asyncio.run(increments()) == [204] * writers

    async def value(db: Database) -> int:
        async with db.transaction() as session:
            return int(await session.scalar(select(Counter.value)) or 0)

    assert run(sqlite_db, value) == writers


async def test_reads_do_not_wait_for_the_write_lock(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """While another connection holds the write lock, a session's reads and a ReadQuery
    answer at once; a write waits for the lock."""
    app, db = make_app(sqlite_db.url, config=DatabaseConfig(sqlite_busy_timeout=0.3))

    @app.get("/counters/count")
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Counter)) or 0)

    @app.post("/counters", status_code=201)
    async def add(session: AsyncSession) -> None:
        session.add(Counter(value=0))

    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        with write_lock_held(sqlite_db):
            started = time.monotonic()
            assert (await client.get("/counters/count")).json() == 0
            assert await COUNTERS.all(db) == []
            assert time.monotonic() - started < 0.25
            refused = await client.post("/counters")
            waited = time.monotonic() - started
        assert refused.status_code == 500  # the lock was never released in time
        assert waited >= 0.3
        assert (await client.post("/counters")).status_code == 201


async def test_a_writer_waits_for_the_lock_to_be_released(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A write that finds the lock taken waits (busy timeout) and succeeds once it is free."""
    app, _ = make_app(sqlite_db.url)

    @app.post("/counters", status_code=201)
    async def add(session: AsyncSession) -> None:
        session.add(Counter(value=0))

    async with AsyncTestClient(app) as client:
        with write_lock_held(sqlite_db) as other:
            pending = asyncio.ensure_future(client.post("/counters"))
            await asyncio.sleep(0.2)
            assert not pending.done()
            other.execute("INSERT INTO orm_counters (value) VALUES (41)")
            other.execute("COMMIT")
            other.execute("BEGIN")  # for write_lock_held's ROLLBACK
        assert (await pending).status_code == 201

    async def values(db: Database) -> list[int]:
        async with db.transaction() as session:
            return list((await session.scalars(select(Counter.value))).all())

    assert sorted(run(sqlite_db, values)) == [0, 41]


async def test_a_request_that_read_can_commit_a_transaction_of_its_own(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A request whose session has read may write in a transaction of its own (an audit
    record), then write through its session: the session holds no lock until it writes."""
    app, db = make_app(sqlite_db.url)

    @app.post("/ships/{ship_id:int}/rename")
    async def rename(ship_id: int, name: str, session: AsyncSession) -> None:
        ship = await get_or_404(session, Ship, ship_id)
        async with db.transaction() as own:
            own.add(Counter(value=ship_id))
        ship.name = name

    async def add(database: Database) -> int:
        async with database.transaction() as session:
            ship = Ship(name="Bluenose")
            session.add(ship)
        return ship.id

    ship_id = run(sqlite_db, add)
    async with AsyncTestClient(app) as client:
        assert (await client.post(f"/ships/{ship_id}/rename?name=Hector")).status_code == 204

    async def stored(database: Database) -> tuple[str | None, int | None]:
        async with database.transaction() as session:
            name = await session.scalar(select(Ship.name))
            return name, await session.scalar(select(Counter.value))

    assert run(sqlite_db, stored) == ("Hector", ship_id)


def test_a_savepoint_before_any_write_does_not_commit_early(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """A request's first savepoint begins its transaction: releasing it commits nothing,
    and the request's failure rolls everything back."""
    app, _ = make_app(sqlite_db.url)

    @app.post("/ships")
    async def add(session: AsyncSession) -> None:
        await session.scalar(select(func.count()).select_from(Ship))
        async with session.begin_nested():
            session.add(Ship(name="Doomed"))
        raise HTTPException(409, "Changed our mind.")

    with TestClient(app) as client:
        assert client.post("/ships").status_code == 409

    async def count(db: Database) -> int:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Ship)) or 0)

    assert run(sqlite_db, count) == 0


def test_text_writes_are_in_the_transaction(sqlite_db: TestDatabase, make_app: AppFactory) -> None:
    """An ``UPDATE`` written as text begins the transaction too, so it is rolled back."""
    app, _ = make_app(sqlite_db.url)

    @app.post("/counters")
    async def add(session: AsyncSession) -> None:
        await session.execute(text("INSERT INTO orm_counters (value) VALUES (7)"))
        await session.execute(text("UPDATE orm_counters SET value = value + 1"))
        raise HTTPException(409, "Changed our mind.")

    with TestClient(app) as client:
        assert client.post("/counters").status_code == 409

    async def count(db: Database) -> int:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Counter)) or 0)

    assert run(sqlite_db, count) == 0


async def test_autocommit_connections_commit_each_statement(sqlite_db: TestDatabase) -> None:
    """A connection asked for ``isolation_level="AUTOCOMMIT"`` gets no transaction: its
    write is stored without a commit."""
    db = Database(sqlite_db.url)
    async with db.running():
        async with db.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(insert(Counter.__table__).values(value=3))
        async with db.transaction() as session:
            assert await session.scalar(select(Counter.value)) == 3


async def test_the_busy_timeout_is_the_configured_one(sqlite_db: TestDatabase) -> None:
    """Connections wait ``sqlite_busy_timeout`` seconds for the lock: 5 by default."""
    for config, expected in (
        (DatabaseConfig(), 5000),
        (DatabaseConfig(sqlite_busy_timeout=0.25), 250),
    ):
        db = Database(sqlite_db.url, config=config)
        async with db.running(), db.engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == expected


@pytest.mark.parametrize("value", [-1, -0.5])
def test_a_negative_busy_timeout_is_refused(value: float) -> None:
    """A negative timeout is a configuration error that names the field."""
    with pytest.raises(Exception, match="sqlite_busy_timeout"):
        DatabaseConfig(sqlite_busy_timeout=value)


def test_the_busy_timeout_is_read_from_the_environment() -> None:
    """``DATABASE_SQLITE_BUSY_TIMEOUT`` sets it, in seconds."""
    config = DatabaseConfig.from_env(environ={"DATABASE_SQLITE_BUSY_TIMEOUT": "12.5"})
    assert config.sqlite_busy_timeout == 12.5
