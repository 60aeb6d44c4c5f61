"""Tests for the Database component: configuration, lifespan, providers, several databases."""
# No "from __future__ import annotations": handlers here refer to local names.

import asyncio
from pathlib import Path
from typing import Annotated, Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import schooner.contrib.orm as orm
from schooner import App, HTTPException, Inject
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, databases_of
from schooner.contrib.orm._config import async_url, sync_url
from schooner.contrib.orm.testing import TestDatabase
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

from .conftest import AppFactory, run
from .models import AnalyticsBase, Ship, Visit


def test_public_names_resolve_and_are_documented() -> None:
    """Every exported name exists once and is documented; so is the package."""
    assert len(set(orm.__all__)) == len(orm.__all__)
    assert orm.__doc__
    assert "Database" in orm.__doc__
    for name in orm.__all__:
        value = getattr(orm, name)
        if isinstance(value, type) or callable(value):
            assert value.__doc__, name


def test_default_is_sqlite_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a URL the database is ``app.db`` in the project folder; no variable is read."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://ignored@nowhere/db")
    db = Database()
    assert db.url.render_as_string() == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'app.db'}"
    assert (db.name, db.alias) == ("database", "default")


def test_from_env_reads_only_when_called() -> None:
    """``DatabaseConfig.from_env`` reads the URL and pool settings from the given variables."""
    config = DatabaseConfig.from_env(
        environ={
            "DATABASE_URL": "postgres://app:pw@db.internal/app",
            "DATABASE_POOL_SIZE": "3",
            "DATABASE_ECHO": "true",
            "OTHER": "x",
        }
    )
    assert (config.url, config.pool_size, config.echo) == (
        "postgres://app:pw@db.internal/app",
        3,
        True,
    )
    named = DatabaseConfig.from_env("ANALYTICS_DB_", environ={"ANALYTICS_DB_URL": "sqlite://"})
    assert named.url == "sqlite://"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_POOL_SIZE": "many"}, "Bad database setting"),
        ({"DATABASE_POOL_SIZE": "0"}, "pool_size must be at least 1"),
        ({"DATABASE_CONFLICT_STATUS": "200"}, "must be an error status"),
    ],
)
def test_bad_settings_say_what_to_fix(environ: dict[str, str], message: str) -> None:
    """A wrong value is an ``ImproperlyConfigured`` naming the problem."""
    with pytest.raises(ImproperlyConfigured, match=message):
        DatabaseConfig.from_env(environ=environ)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("mysql://root@h/db", "mysql+aiomysql://root@h/db?charset=utf8mb4"),
        ("mariadb://root@h/db?charset=latin1", "mysql+aiomysql://root@h/db?charset=latin1"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_urls_get_the_async_driver(given: str, expected: str) -> None:
    """Platform URLs without a driver (or with a sync one) get Schooner's async driver."""
    assert async_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql+asyncpg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("mysql+aiomysql://u@h/db", "mysql+pymysql://u@h/db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+pysqlite:///x.db"),
    ],
)
def test_sync_twin_urls(given: str, expected: str) -> None:
    """Sync handlers' sessions use the matching sync driver."""
    assert sync_url(make_url(given)).render_as_string() == expected


def test_unknown_sync_driver_is_a_clear_error() -> None:
    """A driver without a known sync twin asks for ``sync_url``."""
    with pytest.raises(ImproperlyConfigured, match="set sync_url"):
        sync_url(make_url("oracle+oracledb_async://u@h/db"))


def test_server_pools_are_sized_and_pinged() -> None:
    """PostgreSQL/MariaDB engines get the configured pool (nothing connects yet)."""
    db = Database("postgresql+asyncpg://u:secret@localhost/db", config=DatabaseConfig(pool_size=4))
    assert db.engine.pool.size() == 4  # type: ignore[attr-defined]
    assert not db.engine.pool._pre_ping  # type: ignore[attr-defined]  # idle-only pings
    assert "secret" not in repr(db)


def test_engine_lives_for_the_app_and_hooks_can_use_it(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """Startup hooks declared after the component and every shutdown hook can query."""
    app, db = make_app(test_db.url)
    seen: list[Any] = []

    @app.on_startup
    async def count_at_startup() -> None:
        async with db.transaction() as session:
            seen.append(await session.scalar(select(func.count()).select_from(Ship)))

    @app.on_shutdown
    async def count_at_shutdown() -> None:
        async with db.transaction() as session:
            seen.append(await session.scalar(select(func.count()).select_from(Ship)))

    with TestClient(app):
        engine = db.engine
    with TestClient(app):
        assert db.engine is not engine  # disposed at shutdown, made anew at startup
    assert seen == [0, 0, 0, 0]


def test_two_databases_with_their_own_sessions(
    test_db: TestDatabase, tmp_path: Path, make_app: AppFactory
) -> None:
    """A named database has its own session dependency; both commit, or both roll back."""
    app, _ = make_app(test_db.url)
    analytics = Database(
        f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}",
        name="analytics",
        metadata=AnalyticsBase.metadata,
    )
    app.add_component(analytics)
    app.on_startup(analytics.create_all)
    AnalyticsSession = Annotated[AsyncSession, Inject(analytics.session)]

    @app.post("/ships")
    async def add(name: str, session: AsyncSession, stats: AnalyticsSession) -> dict[str, Any]:
        session.add(Ship(name=name))
        stats.add(Visit(path=f"/ships?name={name}"))
        if name == "fail":
            raise HTTPException(400)
        return {"same": session is stats}

    @app.get("/visits")
    async def visits(stats: AnalyticsSession) -> int:
        return int(await stats.scalar(select(func.count()).select_from(Visit)) or 0)

    with TestClient(app) as client:
        assert client.post("/ships?name=Bluenose").json() == {"same": False}
        assert client.post("/ships?name=fail").status_code == 400
        assert client.get("/visits").json() == 1
    assert analytics.name == "database:analytics"
    assert list(databases_of(app)) == ["default", "analytics"]

    async def ships(db: Database) -> Any:
        async with db.transaction() as session:
            return (await session.scalars(select(Ship.name))).all()

    assert run(test_db, ships) == ["Bluenose"]


def test_two_databases_with_one_alias_are_refused() -> None:
    """Aliases are unique within an app."""
    with pytest.raises(ImproperlyConfigured, match="Two"):
        App(components=[Database("sqlite://", name="x"), Database("sqlite://", name="x")])


def test_named_database_needs_metadata_for_create_all() -> None:
    """Only the default database assumes ``Model.metadata``."""
    import asyncio

    with pytest.raises(ImproperlyConfigured, match="has no metadata"):
        asyncio.run(Database("sqlite+aiosqlite://", name="other").create_all())


def test_transaction_outside_a_request(test_db: TestDatabase) -> None:
    """``db.transaction()`` commits on success and rolls back on error, for scripts and tasks."""

    async def scenario(db: Database) -> Any:
        async with db.transaction() as session:
            session.add(Ship(name="Script"))
        try:
            async with db.transaction() as session:
                session.add(Ship(name="Aborted"))
                await session.flush()
                raise RuntimeError("stop")
        except RuntimeError:
            pass
        async with db.transaction() as session:
            return (await session.scalars(select(Ship.name))).all()

    assert run(test_db, scenario) == ["Script"]


def test_session_of_a_database_that_is_not_a_component_is_refused(sqlite_db: TestDatabase) -> None:
    """Without the component nothing would commit before the response, so asking fails loudly."""
    db = Database(sqlite_db.url)
    app = App()

    @app.get("/")
    async def index(session: Annotated[AsyncSession, Inject(db.session)]) -> None:
        pass

    with TestClient(app) as client, pytest.raises(ImproperlyConfigured, match="components"):
        client.get("/")


def _pid_query(backend: str) -> str:
    return "SELECT pg_backend_pid()" if backend == "postgresql" else "SELECT CONNECTION_ID()"


def _kill_query(backend: str, pid: int) -> str:
    return f"SELECT pg_terminate_backend({pid})" if backend == "postgresql" else f"KILL {pid}"


def test_idle_connections_are_tested_and_replaced(
    server_db: TestDatabase, server_backend: str
) -> None:
    """A pooled connection the server dropped while it sat idle is replaced on checkout:
    the request sees a working connection, not an error."""
    from sqlalchemy import text

    async def scenario() -> tuple[int, int]:
        db = Database(server_db.url, config=DatabaseConfig(pool_size=1, pool_ping_idle=0.2))
        other = Database(server_db.url, config=DatabaseConfig(pool_size=1))
        async with db.running(), other.running():
            async with db.engine.connect() as conn:
                first = int((await conn.execute(text(_pid_query(server_backend)))).scalar_one())
            async with other.engine.connect() as conn:
                await conn.execute(text(_kill_query(server_backend, first)))
            await asyncio.sleep(0.4)  # idle long enough to be tested
            async with db.engine.connect() as conn:
                second = int((await conn.execute(text(_pid_query(server_backend)))).scalar_one())
        return first, second

    first, second = server_db.run(scenario())
    assert first != second


def test_busy_connections_are_not_pinged(
    sqlite_db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only connections idle for ``pool_ping_idle`` seconds cost a test round trip."""
    from sqlalchemy import text

    pings: list[object] = []

    async def scenario() -> None:
        db = Database(sqlite_db.url, config=DatabaseConfig(pool_ping_idle=0.2))
        async with db.running():
            dialect = db.engine.dialect
            original = dialect.do_ping
            monkeypatch.setattr(
                dialect, "do_ping", lambda conn: pings.append(conn) or original(conn)
            )
            for _ in range(3):
                async with db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            assert pings == []  # each checkout came right after the previous checkin
            await asyncio.sleep(0.3)
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            assert len(pings) == 1

    sqlite_db.run(scenario())


def test_ping_settings() -> None:
    """``pool_ping_idle=0`` is SQLAlchemy's ping on every checkout; negative is refused."""
    every = Database("postgresql+asyncpg://u@localhost/db", config=DatabaseConfig(pool_ping_idle=0))
    assert every.engine.pool._pre_ping  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="pool_ping_idle"):
        DatabaseConfig(pool_ping_idle=-1)
