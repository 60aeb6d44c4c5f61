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
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from schooner.concurrency import run_sync
from schooner.contrib.orm._config import (
    DatabaseConfig,
    async_url,
    default_url,
    engine_options,
    ping_idle_connections,
    sync_url,
)
from schooner.contrib.orm._models import Model
from schooner.contrib.orm._session import (
    TransactionMiddleware,
    async_session_provider,
    sync_session_provider,
)
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
        # transaction on one connection, rolled back when the app shuts down.
        self._rollback_isolation = False
        self._pinned: AsyncConnection | None = None
        label = f"Database({name!r})"
        self.session = async_session_provider(self._new_session, label=label)
        self.sync_session = sync_session_provider(self._new_sync_session, label=label)

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r}, name={self.alias!r})"

    # -- component ------------------------------------------------------------------------

    def setup(self, app: App) -> None:
        """Install the transaction middleware and ``schooner db`` (once per app), providers
        and lifespan."""
        others = [db for db in app.components if isinstance(db, Database) and db is not self]
        if not others:
            # Imported here: the migrations battery builds on this one (Alembic itself is
            # imported only when a `schooner db` command runs).
            from schooner.contrib.migrations import db_commands

            app.add_command(db_commands(app))
            app.add_middleware(
                Middleware(
                    TransactionMiddleware,
                    name="orm.transactions",
                    conflict_status=self.config.conflict_status,
                )
            )
        if any(db.alias == self.alias for db in others):
            raise ImproperlyConfigured(f"Two databases are named {self.alias!r}.")
        if self.alias == "default":
            app.provide(AsyncSession, self.session)
            app.provide(Session, self.sync_session)
        app.on_startup(self.startup)
        app.add_lifespan(self._lifespan)

    async def startup(self) -> None:
        """Create the engine (startup hook); in test isolation, open the shared transaction."""
        engine = self.engine
        if self._rollback_isolation and self._pinned is None:
            connection = await engine.connect()
            await connection.begin()
            self._pinned = connection
            self._sessions = None

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
        """Close every pooled connection (shutdown); the next use creates a new engine."""
        if self._pinned is not None:
            pinned, self._pinned = self._pinned, None
            await pinned.rollback()
            await pinned.close()
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
            if self.url.get_backend_name() == "sqlite":
                _sqlite_like_a_server(self._engine.sync_engine)
            if self.config.pool_pre_ping and self.config.pool_ping_idle > 0:
                ping_idle_connections(self._engine.sync_engine, self.config.pool_ping_idle)
        return self._engine

    @property
    def sync_engine(self) -> Engine:
        """The sync engine for sync handlers, created on first use.

        Sync code runs in worker threads, where SQLAlchemy's async layer cannot work
        (lazy loads would fail), so sync sessions use a sync driver on its own pool.
        """
        with self._sync_lock:
            if self._sync_engine is None:
                given = self.config.sync_url
                target = make_url(given) if given else sync_url(self.url)
                engine = create_engine(target, **engine_options(self.config, target))
                if target.get_backend_name() == "sqlite":
                    _sqlite_like_a_server(engine)
                if self.config.pool_pre_ping and self.config.pool_ping_idle > 0:
                    ping_idle_connections(engine, self.config.pool_ping_idle)
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


def _sqlite_like_a_server(engine: Engine) -> None:
    """Make SQLite enforce foreign keys and support savepoints, like the servers do.

    Python's sqlite3 module opens transactions itself, late and without savepoint support;
    the recipe from SQLAlchemy's documentation hands that job to SQLAlchemy.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
