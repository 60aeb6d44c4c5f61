"""The ``Database`` component: an engine for the app's life and a session per request.

::

    db = Database(config=DatabaseConfig.from_env())   # DATABASE_URL, or SQLite app.db
    app = App(components=[db])

    @app.post("/ships", status_code=201)
    async def add_ship(body: ShipIn, session: AsyncSession) -> Ship:
        return await create(session, Ship, body)

The default database answers every parameter annotated ``AsyncSession`` (``Session`` in a
sync handler). Another database is named and injected explicitly::

    analytics = Database(url, name="analytics")
    AnalyticsSession = Annotated[AsyncSession, Inject(analytics.session)]

The first database of an app also registers the exception handlers that answer what the
database refused because of a client's values (``409``/``422``, see ``_errors``), and other
batteries find the app's databases with :func:`databases_of`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from schooner.concurrency import run_sync
from schooner.contrib.orm._config import (
    DatabaseConfig,
    async_url,
    default_url,
    engine_options,
    ping_idle_connections,
    sync_url,
)
from schooner.contrib.orm._errors import normalise_errors, refusal_handler
from schooner.contrib.orm._models import Model
from schooner.contrib.orm._session import TransactionMiddleware, session_provider
from schooner.contrib.orm._sqlite import prepare_sqlite
from schooner.exceptions import ImproperlyConfigured
from schooner.middleware import Middleware

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["Database", "databases_of"]


def databases_of(app: App) -> dict[str, Database]:
    """The app's ``Database`` components by alias, in the order they were added.

    Migrations and test helpers find each database's ``metadata`` this way.
    """
    return {c.alias: c for c in app.components if isinstance(c, Database)}


class Database:
    """A database as a component: engine, pool, sessions and transactions.

    Args:
        url: an async SQLAlchemy URL (``postgresql+asyncpg://…``, ``mysql+aiomysql://…``,
            ``sqlite+aiosqlite:///…``); driver-less URLs get Schooner's driver. Defaults to
            ``config.url``, then to SQLite in ``app.db`` in the current folder.
        name: the database's alias; ``"default"`` (the default) also registers
            ``AsyncSession`` and ``Session`` as injectable types.
        config: pool sizes and other options (:class:`DatabaseConfig`).
        metadata: the tables that live in this database (for migrations and tests);
            ``Model.metadata`` for the default database.

    Attributes:
        name: the component name: ``"database"``, or ``"database:<alias>"``.
        alias: the database's own name, ``"default"`` or the ``name`` you gave.
        session: the request-scoped ``AsyncSession`` provider, for
            ``Annotated[AsyncSession, Inject(db.session)]``.
        sync_session: the request-scoped sync ``Session`` provider, for ``def`` handlers.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        name: str = "default",
        config: DatabaseConfig | None = None,
        metadata: MetaData | None = None,
    ) -> None:
        config = config or DatabaseConfig()
        if url is not None:
            config = msgspec.structs.replace(config, url=url)
        self.config = config
        self.alias = name
        self.name = "database" if name == "default" else f"database:{name}"
        self.url: URL = async_url(config.url or default_url())
        self.metadata = metadata if metadata is not None or name != "default" else Model.metadata
        self._engine: AsyncEngine | None = None
        self._sync_engine: Engine | None = None
        self._sync_lock = threading.Lock()
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._sync_sessions: sessionmaker[Session] | None = None
        # Test isolation (see testing.rollback_isolation): every session joins one
        # transaction on one connection, rolled back when its last holder lets it go (the
        # app at shutdown, the test's orm_session fixture).
        self._rollback_isolation = False
        self._pinned: AsyncConnection | None = None
        self._pinned_loop: asyncio.AbstractEventLoop | None = None
        self._pinned_holders = 0
        self._started_pinned = False
        self._running = False
        label = f"Database({name!r})"
        self.session = session_provider(self._new_session, name=f"{label}.session")
        self.sync_session = session_provider(self._new_sync_session, name=f"{label}.sync_session")

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r}, name={self.alias!r})"

    # -- component ------------------------------------------------------------------------

    def setup(self, app: App) -> None:
        """Install the transaction middleware and the exception handlers (once per app),
        providers and lifespan."""
        others = [db for db in app.components if isinstance(db, Database) and db is not self]
        if not others:
            app.add_middleware(
                Middleware(
                    TransactionMiddleware,
                    name="orm.transactions",
                )
            )
            self._add_exception_handlers(app)
        if any(db.alias == self.alias for db in others):
            raise ImproperlyConfigured(f"Two databases are named {self.alias!r}.")
        if self.alias == "default":
            app.provide(AsyncSession, self.session)
            app.provide(Session, self.sync_session)
        app.on_startup(self.startup)
        app.add_lifespan(self._lifespan)

    def _add_exception_handlers(self, app: App) -> None:
        """Answer what the database refused because of the client's values (see _errors).

        Registered like any handler, so one the user registers afterwards replaces it.
        """
        conflict_status = self.config.conflict_status
        app.add_exception_handler(DataError, refusal_handler(conflict_status or 409))
        if conflict_status is not None:
            conflicts = refusal_handler(conflict_status)
            app.add_exception_handler(IntegrityError, conflicts)
            app.add_exception_handler(StaleDataError, conflicts)

    async def startup(self) -> None:
        """Create the engine (startup hook); in test isolation, open the shared transaction."""
        _ = self.engine  # created now, at startup, rather than by the first request
        if self._rollback_isolation and not self._started_pinned:
            await self._hold_pinned()
            self._started_pinned = True
        self._running = True

    async def _hold_pinned(self) -> AsyncConnection:
        """The test transaction's connection, opened by its first holder (test isolation).

        Raises:
            ImproperlyConfigured: it was opened on another event loop (a sync TestClient
                runs the app on a loop of its own), where it cannot be used.
        """
        loop = asyncio.get_running_loop()
        if self._pinned is None:
            connection = await self.engine.connect()
            await connection.begin()
            self._pinned, self._pinned_loop, self._sessions = connection, loop, None
        elif self._pinned_loop is not loop:
            raise ImproperlyConfigured(
                "The test transaction of rollback_isolation() is shared by the app and the "
                "orm_session fixture, so both must run on one event loop: use the async "
                "client (the async_client fixture, or AsyncTestClient) in tests that use "
                "orm_session; the sync TestClient runs the app on a loop of its own."
            )
        self._pinned_holders += 1
        return self._pinned

    async def _release_pinned(self) -> None:
        """Let go of the test transaction; the last holder rolls it back and closes it (and
        the engines, unless the app is still running)."""
        self._pinned_holders -= 1
        if self._pinned_holders > 0 or self._pinned is None:
            return
        pinned, self._pinned, self._pinned_loop, self._sessions = self._pinned, None, None, None
        await pinned.rollback()
        await pinned.close()
        if not self._running:
            await self._dispose_engines()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.dispose()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Database]:
        """Use the database outside an app (a script, a task): start, yield, dispose."""
        await self.startup()
        try:
            yield self
        finally:
            await self.dispose()

    async def dispose(self) -> None:
        """Close every pooled connection (shutdown); the next use creates a new engine.

        In test isolation the transaction is rolled back first — or, while the test's
        ``orm_session`` still works in it, when that session lets it go.
        """
        self._running = False
        if self._started_pinned:
            self._started_pinned = False
            await self._release_pinned()
        if self._pinned is None:  # else the test's session disposes of them when it is done
            await self._dispose_engines()

    async def _dispose_engines(self) -> None:
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.dispose()
        if self._sync_engine is not None:
            sync_engine, self._sync_engine = self._sync_engine, None
            await run_sync(sync_engine.dispose)
        self._sessions = self._sync_sessions = None

    # -- engines and sessions -------------------------------------------------------------

    @property
    def engine(self) -> AsyncEngine:
        """The async engine, created on first use (normally at startup)."""
        if self._engine is None:
            self._engine = create_async_engine(self.url, **engine_options(self.config, self.url))
            _prepare(self._engine.sync_engine, self.config)
        return self._engine

    @property
    def shares_one_connection(self) -> bool:
        """Whether every session and :meth:`transaction` runs on one connection, nested as
        savepoints: test isolation (``testing.rollback_isolation``). Code that runs a
        transaction of its own beside a request's (on another connection, normally) must
        then run it inside the request instead, as it cannot run beside it.
        """
        return self._rollback_isolation

    @property
    def sync_url(self) -> URL:
        """The URL synchronous code connects with: sync handlers, migrations, fixtures.

        ``DatabaseConfig.sync_url`` when set, else :attr:`url` with the matching sync driver
        (psycopg, PyMySQL, sqlite3).

        Raises:
            ImproperlyConfigured: no sync driver is known for the URL's driver.
        """
        given = self.config.sync_url
        return make_url(given) if given else sync_url(self.url)

    @property
    def sync_engine(self) -> Engine:
        """The sync engine for sync handlers, created on first use.

        Sync code runs in worker threads, where SQLAlchemy's async layer cannot work
        (lazy loads would fail), so sync sessions use a sync driver on its own pool.
        """
        with self._sync_lock:
            if self._sync_engine is None:
                target = self.sync_url
                engine = create_engine(target, **engine_options(self.config, target))
                _prepare(engine, self.config)
                self._sync_engine = engine
            return self._sync_engine

    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """The factory of this database's ``AsyncSession`` s."""
        if self._sessions is None:
            bind: AsyncEngine | AsyncConnection = self._pinned or self.engine
            self._sessions = async_sessionmaker(
                bind,
                expire_on_commit=self.config.expire_on_commit,
                join_transaction_mode="create_savepoint",
            )
        return self._sessions

    def _new_session(self) -> AsyncSession:
        return self.sessionmaker()()

    def _new_sync_session(self) -> Session:
        if self._rollback_isolation:
            raise ImproperlyConfigured(
                "Sync sessions cannot join the rolled-back test transaction (it lives on the "
                "event loop's connection). Test sync handlers with the `orm_clean` fixture "
                "instead of rollback_isolation()."
            )
        if self._sync_sessions is None:
            self._sync_sessions = sessionmaker(
                self.sync_engine, expire_on_commit=self.config.expire_on_commit
            )
        return self._sync_sessions()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction, outside any request (scripts, tasks, tests).

        Commits when the block ends normally, rolls back when it raises, always closes::

            async with db.transaction() as session:
                session.add(Ship(name="Bluenose"))
        """
        async with self.sessionmaker()() as session, session.begin():
            yield session

    async def create_all(self) -> None:
        """Create the tables of ``metadata`` that do not exist yet (prototypes, tests).

        Real projects evolve their schema with migrations instead.
        """
        metadata = self._require_metadata()
        async with self._ddl() as connection:
            await connection.run_sync(metadata.create_all)

    async def drop_all(self) -> None:
        """Drop the tables of ``metadata`` (tests)."""
        metadata = self._require_metadata()
        async with self._ddl() as connection:
            await connection.run_sync(metadata.drop_all)

    @contextlib.asynccontextmanager
    async def _ddl(self) -> AsyncIterator[AsyncConnection]:
        if self._pinned is not None:
            yield self._pinned
            return
        async with self.engine.begin() as connection:
            yield connection

    def _require_metadata(self) -> MetaData:
        if self.metadata is None:
            raise ImproperlyConfigured(
                f"Database {self.alias!r} has no metadata; pass metadata=YourBase.metadata."
            )
        return self.metadata


def _prepare(engine: Engine, config: DatabaseConfig) -> None:
    """Install the engine-level behaviour every engine of a component shares."""
    if engine.url.get_backend_name() == "sqlite":
        prepare_sqlite(engine, busy_timeout=config.sqlite_busy_timeout)
    if config.pool_pre_ping and config.pool_ping_idle > 0:
        ping_idle_connections(engine, config.pool_ping_idle)
    normalise_errors(engine)
