"""``DatabaseConfig``: the URL and pool settings of one database, read explicitly.

Nothing is read at import time. ``DatabaseConfig.from_env()`` reads ``DATABASE_URL`` (and
``DATABASE_POOL_SIZE``, ``DATABASE_ECHO`` …) when you call it, typically in ``app.py``::

    db = Database(config=DatabaseConfig.from_env())

Platform URLs without an async driver (``postgres://…``, ``mysql://…``) are given the
driver Schooner uses: asyncpg for PostgreSQL, aiomysql for MariaDB/MySQL, aiosqlite for
SQLite.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DisconnectionError

from schooner.exceptions import ImproperlyConfigured

__all__ = ["DatabaseConfig", "async_url", "default_url", "sync_url"]

# driver-less or sync URL → the async driver Schooner ships with.
_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "mysql": "mysql+aiomysql",
    "mysql+pymysql": "mysql+aiomysql",
    "mariadb": "mysql+aiomysql",
    "mariadb+pymysql": "mysql+aiomysql",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
}
# async driver → the sync driver used for sync handlers' sessions.
_SYNC_DRIVERS = {
    "asyncpg": "psycopg",
    "psycopg_async": "psycopg",
    "aiomysql": "pymysql",
    "asyncmy": "pymysql",
    "aiosqlite": "pysqlite",
}


class DatabaseConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How to reach one database and size its connection pool.

    Attributes:
        url: SQLAlchemy URL with an async driver; ``None`` means SQLite in
            ``app.db`` in the current folder.
        echo: log every SQL statement (logger ``sqlalchemy.engine``).
        pool_size: connections kept open (PostgreSQL, MariaDB). Keep
            ``workers × (pool_size + max_overflow)`` under the server's ``max_connections``.
        max_overflow: extra connections opened under load and closed afterwards.
        pool_timeout: seconds to wait for a free connection before failing the request.
        pool_recycle: seconds after which a connection is replaced (servers and proxies
            close idle connections; MariaDB's ``wait_timeout``).
        pool_pre_ping: test a connection before handing it out, so a restarted server
            costs one reconnect instead of a failed request.
        pool_ping_idle: with ``pool_pre_ping``, test only connections that sat unused in
            the pool for at least this many seconds (``0``: test every checkout). A busy
            pool then pays no extra round trip per request; a connection that waited
            through a restart, a failover or a firewall's idle timeout is still tested.
        sync_url: the URL sync handlers' sessions use; derived from ``url`` by default
            (psycopg for PostgreSQL, PyMySQL for MariaDB, sqlite3 for SQLite).
        expire_on_commit: expire loaded objects on commit. Off: reading an attribute after
            a commit would be I/O, which async code cannot do implicitly.
        conflict_status: the status answered when a constraint fails (``IntegrityError``)
            or an optimistic-lock check fails (``StaleDataError``); ``None`` lets them be
            server errors.
        sqlite_busy_timeout: on SQLite, seconds a transaction waits for the write lock
            that another connection holds before failing with "database is locked". Every
            transaction takes that lock when it begins (``BEGIN IMMEDIATE``), so concurrent
            requests that write queue for it; raise it if bursts of writers queue longer.
        connect_args: extra keyword arguments for the driver's ``connect()``.
    """

    url: str | None = None
    echo: bool = False
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout: float = 30.0
    pool_recycle: int = 1800
    pool_pre_ping: bool = True
    pool_ping_idle: float = 10.0
    sync_url: str | None = None
    expire_on_commit: bool = False
    conflict_status: int | None = 409
    sqlite_busy_timeout: float = 5.0
    connect_args: dict[str, Any] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.pool_size < 1 or self.max_overflow < 0:
            raise ImproperlyConfigured(
                "pool_size must be at least 1 and max_overflow at least 0 "
                f"(got {self.pool_size} and {self.max_overflow})."
            )
        if self.pool_ping_idle < 0:
            raise ImproperlyConfigured(
                f"pool_ping_idle must be 0 or more seconds (got {self.pool_ping_idle})."
            )
        if self.sqlite_busy_timeout < 0:
            raise ImproperlyConfigured(
                f"sqlite_busy_timeout must be 0 or more seconds (got {self.sqlite_busy_timeout})."
            )
        if self.conflict_status is not None and not 400 <= self.conflict_status <= 599:
            raise ImproperlyConfigured(
                f"conflict_status must be an error status (400-599), not {self.conflict_status}."
            )

    @classmethod
    def from_env(
        cls,
        prefix: str = "DATABASE_",
        *,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Self:
        """Read ``<prefix>URL``, ``<prefix>POOL_SIZE`` … from the environment, now.

        Every field can be set as ``<prefix><FIELD>`` except ``connect_args``. Keyword
        ``overrides`` win over the environment.

        Args:
            prefix: ``"DATABASE_"`` for ``DATABASE_URL``; use e.g. ``"ANALYTICS_DATABASE_"``
                for a second database.
            environ: variables to read instead of ``os.environ`` (tests).

        Raises:
            ImproperlyConfigured: a variable has a value of the wrong type.
        """
        variables = os.environ if environ is None else environ
        data: dict[str, Any] = {}
        for field in msgspec.structs.fields(cls):
            key = prefix + field.name.upper()
            if field.name != "connect_args" and key in variables:
                data[field.name] = variables[key]
        data.update(overrides)
        try:
            return msgspec.convert(data, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise ImproperlyConfigured(
                f"Bad database setting ({prefix}*): {exc}. Fix the environment variable."
            ) from None


def default_url(folder: Path | None = None) -> str:
    """The embedded default: SQLite in ``app.db`` in ``folder`` (the current folder)."""
    path = (folder or Path.cwd()).resolve() / "app.db"
    return f"sqlite+aiosqlite:///{path}"


def async_url(url: str | URL) -> URL:
    """Parse ``url`` and give it Schooner's async driver when it names none or a sync one.

    Raises:
        ImproperlyConfigured: the URL cannot be parsed.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ImproperlyConfigured(f"Cannot parse the database URL: {exc}.") from None
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is not None:
        parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        # Without it, drivers may fall back to a 3-byte "utf8" that cannot store emoji.
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def sync_url(url: URL) -> URL:
    """The sync-driver twin of an async URL (for sync handlers' sessions).

    Raises:
        ImproperlyConfigured: no sync driver is known for the URL's driver.
    """
    driver = url.get_driver_name()
    sync_driver = _SYNC_DRIVERS.get(driver)
    if sync_driver is None:
        raise ImproperlyConfigured(
            f"No sync driver is known for '{url.drivername}'; set sync_url in DatabaseConfig "
            "to use sync sessions."
        )
    return url.set(drivername=f"{url.get_backend_name()}+{sync_driver}")


def engine_options(config: DatabaseConfig, url: URL) -> dict[str, Any]:
    """Keyword arguments for ``create_engine`` / ``create_async_engine``."""
    # Idle-only pings are installed as pool events (see ping_idle_connections).
    every_checkout = config.pool_pre_ping and config.pool_ping_idle == 0
    options: dict[str, Any] = {"echo": config.echo, "pool_pre_ping": every_checkout}
    connect_args = dict(config.connect_args)
    backend = url.get_backend_name()
    if backend != "sqlite":
        options.update(
            pool_size=config.pool_size,
            max_overflow=config.max_overflow,
            pool_timeout=config.pool_timeout,
            pool_recycle=config.pool_recycle,
        )
    if backend in ("mysql", "mariadb"):
        # DATETIME has no zone; a UTC session makes NOW() and CURRENT_TIMESTAMP mean UTC.
        connect_args.setdefault("init_command", "SET time_zone = '+00:00'")
    if connect_args:
        options["connect_args"] = connect_args
    return options


def ping_idle_connections(engine: Engine, idle: float) -> None:
    """Test a pooled connection on checkout only when it sat idle for ``idle`` seconds.

    A connection that fails the test is replaced: the pool discards it and checks out
    another (SQLAlchemy retries a checkout that raises ``DisconnectionError``).
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle:
            return  # new, or back in the pool only just now
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"The pooled connection failed its test: {exc}") from exc
        if not alive:
            raise DisconnectionError("The pooled connection failed its test.")


_IDLE_SINCE = "schooner.idle_since"
