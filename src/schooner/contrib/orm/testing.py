"""Test your project against a real database: throwaway databases and isolated tests.

Enable the fixtures in your top-level ``conftest.py`` and build the app on the test
database::

    pytest_plugins = ["schooner.contrib.orm.testing"]

    @pytest.fixture
    def app(orm_database_url: str) -> Iterator[App]:
        app = create_app(database_url=orm_database_url)
        with rollback_isolation(app):  # every test's writes are rolled back
            yield app

Then Schooner's ``client`` fixture (or your own ``TestClient``) talks to that app.

* ``orm_database_url`` (session) creates a database named ``schooner_test_<random>`` on the
  server in ``TEST_DATABASE_URL`` (SQLite in a temporary folder when unset), creates the
  tables of ``orm_metadata`` (``Model.metadata`` unless you override the fixture), and drops
  it after the run.
* :func:`rollback_isolation` makes every session of the app join one transaction that is
  rolled back when the test is over — fast, and nothing leaks between tests. Sessions
  share one connection, so requests must not run concurrently.
* ``orm_session`` (function, async) is a session *in that same transaction*: rows it adds
  and flushes are what the app's requests see, rows the requests write are what it reads.
  This is the way to arrange data for a test and check what a request did; because the
  transaction lives on the event loop that started the app, use it with the async client
  (the ``async_client`` fixture) in ``async def`` tests.
* ``orm_clean`` (function) deletes every row of every table after the test instead (the
  tables that exist, so it works on a migrated schema too): for tests that need real
  commits (concurrent requests, sync handlers).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, MetaData, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from schooner.app import App
from schooner.contrib.orm._component import Database, databases_of
from schooner.contrib.orm._config import async_url
from schooner.contrib.orm._models import Model
from schooner.exceptions import ImproperlyConfigured

__all__ = [
    "TestDatabase",
    "orm_clean",
    "orm_database_url",
    "orm_metadata",
    "orm_server_url",
    "orm_session",
    "orm_test_database",
    "rollback_isolation",
]

T = TypeVar("T")


class TestDatabase:
    """A database created for a test run and dropped after it.

    Args:
        server_url: a URL on the server to create it on (its database is where the
            ``CREATE DATABASE`` runs: ``postgres`` on PostgreSQL, any on MariaDB); ``None``
            or a SQLite URL means a new SQLite file in ``folder``.
        metadata: the tables to create.
        folder: where SQLite files go (a temporary folder).
        prefix: start of the database name; a random suffix keeps parallel runs apart.
    """

    __test__ = False  # a helper, not a test class pytest should collect

    def __init__(
        self,
        server_url: str | None = None,
        *,
        metadata: MetaData | Sequence[MetaData] = (),
        folder: Path | None = None,
        prefix: str = "schooner_test_",
    ) -> None:
        self.server: URL | None = async_url(server_url) if server_url else None
        self.metadata = [metadata] if isinstance(metadata, MetaData) else list(metadata)
        self.folder = folder or Path.cwd()
        self.database = f"{prefix}{uuid.uuid4().hex[:12]}"
        self.url = self._target().render_as_string(hide_password=False)

    @property
    def backend(self) -> str:
        """``sqlite``, ``postgresql`` or ``mysql`` (MariaDB)."""
        return self.server.get_backend_name() if self.server is not None else "sqlite"

    def _target(self) -> URL:
        if self.server is None or self.backend == "sqlite":
            return async_url(f"sqlite+aiosqlite:///{self.folder / (self.database + '.db')}")
        return self.server.set(database=self.database)

    async def create(self) -> str:
        """Create the database and its tables; return its URL."""
        charset = " CHARACTER SET utf8mb4" if self.backend == "mysql" else ""
        await self._admin(f"CREATE DATABASE {self._quoted()}{charset}")
        db = Database(self.url)
        async with db.running():
            for metadata in self.metadata:
                db.metadata = metadata
                await db.create_all()
        return self.url

    async def drop(self) -> None:
        """Drop the database (and everything in it)."""
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                path = self.folder / f"{self.database}.db{suffix}"
                path.unlink(missing_ok=True)
            return
        force = " WITH (FORCE)" if self.backend == "postgresql" else ""
        await self._admin(f"DROP DATABASE IF EXISTS {self._quoted()}{force}")

    async def clear(self) -> None:
        """Delete every row of every table in the database, but Alembic's version tables.

        The tables are those that exist, whether created from metadata or by migrations.
        PostgreSQL truncates them all in one statement; SQLite and MariaDB delete with the
        foreign-key checks put off until every row is gone, so the order does not matter.
        """
        db = Database(self.url)
        async with db.running(), db.engine.begin() as connection:
            await connection.run_sync(_delete_every_row)

    def _quoted(self) -> str:
        quote = "`" if self.backend == "mysql" else '"'
        return f"{quote}{self.database}{quote}"

    async def _admin(self, statement: str) -> None:
        if self.server is None or self.backend == "sqlite":
            return
        engine = create_async_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one of the coroutines above from sync code (a session-scoped fixture).

        It runs on a fresh event loop in a helper thread, so it works whether or not the
        calling thread already runs a loop.
        """
        return _run_in_thread(coroutine)


def _delete_every_row(connection: Connection) -> None:
    names = [
        name
        for name in sa_inspect(connection).get_table_names()
        if not name.startswith("alembic_version")
    ]
    if not names:
        return
    quote = connection.dialect.identifier_preparer.quote
    backend = connection.dialect.name
    if backend == "postgresql":
        connection.exec_driver_sql(f"TRUNCATE {', '.join(quote(n) for n in names)}")
        return
    if backend == "sqlite":
        connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until the commit
    else:
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")  # this session only
    for name in names:
        connection.exec_driver_sql(f"DELETE FROM {quote(name)}")
    if backend != "sqlite":
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


def _run_in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="orm-test-database")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


@contextlib.contextmanager
def rollback_isolation(target: Any) -> Iterator[None]:
    """Make every session of ``target`` (an App or a Database) join one rolled-back transaction.

    Enter it before the app starts (in your ``app`` fixture). At startup each database opens
    one connection and a transaction; every request's session works in a savepoint inside
    it (a commit releases the savepoint, so later requests of the same test see the data);
    at shutdown the transaction is rolled back. Requests must not overlap, and sync
    sessions cannot join (use ``orm_clean`` for those tests). On MariaDB, DDL inside a test
    commits implicitly and breaks the isolation.

    Raises:
        ImproperlyConfigured: ``target`` has no database component.
    """
    databases = _databases_of(target)
    for db in databases:
        db._rollback_isolation = True  # the battery's own test hook
    try:
        yield
    finally:
        for db in databases:
            db._rollback_isolation = False


def _databases_of(target: Any) -> list[Database]:
    if isinstance(target, Database):
        return [target]
    found = list(databases_of(target).values()) if isinstance(target, App) else []
    if not found:
        raise ImproperlyConfigured(
            f"{target!r} has no Database component; pass the app built with one, or the Database."
        )
    return found


# -- pytest fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def orm_server_url() -> str | None:
    """Where test databases are created: ``TEST_DATABASE_URL``, or ``None`` for SQLite.

    Override this fixture to choose in code, e.g. ``"postgresql+asyncpg://postgres@localhost/postgres"``.
    """
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def orm_metadata() -> Sequence[MetaData]:
    """The tables to create in the test database; override it for other bases."""
    return [Model.metadata]


@pytest.fixture(scope="session")
def orm_test_database(
    orm_server_url: str | None,
    orm_metadata: Sequence[MetaData],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[TestDatabase]:
    """The run's throwaway database, with its tables; dropped at the end of the run."""
    database = TestDatabase(
        orm_server_url, metadata=orm_metadata, folder=tmp_path_factory.mktemp("orm")
    )
    database.run(database.create())
    try:
        yield database
    finally:
        database.run(database.drop())


@pytest.fixture(scope="session")
def orm_database_url(orm_test_database: TestDatabase) -> str:
    """The URL of the run's throwaway database (tables created)."""
    return orm_test_database.url


@pytest.fixture
def orm_clean(orm_test_database: TestDatabase) -> Iterator[str]:
    """The test database's URL; every row of every table is deleted after the test."""
    try:
        yield orm_test_database.url
    finally:
        orm_test_database.run(orm_test_database.clear())


def _async_fixture(function: Any) -> Any:
    """Declare an async fixture the way the installed async test plugin understands."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - another async plugin (anyio) runs it
        return pytest.fixture(function)
    return pytest_asyncio.fixture(function)


@_async_fixture
async def orm_session(
    request: pytest.FixtureRequest, orm_database_url: str
) -> AsyncIterator[AsyncSession]:
    """A session for arranging and checking data, in the app's test transaction.

    With an ``app`` fixture under :func:`rollback_isolation`, the session works in the
    transaction the app's requests use (its default database's): what it flushes, the
    requests see; what they write, it reads; all of it is rolled back after the test. Use
    the async client with it (the transaction lives on the loop that started the app).

    With an app that commits for real (``orm_clean``), it is a session of its own on the
    app's database: commit what the app should see. Without an ``app`` fixture, it works
    on the test database and its writes are rolled back after the test.
    """
    app_db = _app_database(request)
    if app_db is not None and app_db._rollback_isolation:
        await app_db._hold_pinned()
        try:
            async with app_db.sessionmaker()() as session:
                yield session
        finally:
            await app_db._release_pinned()
        return
    url = app_db.url.render_as_string(hide_password=False) if app_db else orm_database_url
    db = Database(url)
    with contextlib.ExitStack() as isolation:
        if app_db is None:
            isolation.enter_context(rollback_isolation(db))
        async with db.running(), db.sessionmaker()() as session:
            yield session


def _app_database(request: pytest.FixtureRequest) -> Database | None:
    """The default database of the test's ``app`` fixture, if there is one."""
    try:
        app = request.getfixturevalue("app")
    except pytest.FixtureLookupError as exc:
        if exc.argname != "app":
            raise  # ``app`` exists, but one of its own fixtures is missing
        return None
    found = databases_of(app) if isinstance(app, App) else {}
    return found.get("default") or next(iter(found.values()), None)
