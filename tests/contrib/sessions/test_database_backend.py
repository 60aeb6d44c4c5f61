"""The database session backend on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData

from contrib._servers import SERVERS, require_server
from schooner import App
from schooner.contrib.orm import Database
from schooner.contrib.orm.testing import TestDatabase
from schooner.contrib.sessions import Session, Sessions
from schooner.contrib.sessions.database import DatabaseBackend
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

KEY = "k" * 40


@pytest.fixture(params=list(SERVERS))
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A throwaway database per backend; unreachable servers fail when CI=true."""
    server = require_server(request.param)
    target = TestDatabase(server, metadata=MetaData(), folder=tmp_path)
    target.run(target.create())
    try:
        yield target.url
    finally:
        target.run(target.drop())


def make_app(url: str) -> tuple[App, Database, DatabaseBackend]:
    db = Database(url, metadata=MetaData())
    backend = DatabaseBackend(db)
    app = App(components=[db, Sessions(backend, secret_keys=[KEY], max_age=600)])
    app.on_startup(db.create_all)

    @app.get("/count")
    async def count(session: Session) -> int:
        session["n"] = session.get("n", 0) + 1
        return int(session["n"])

    @app.post("/login")
    async def login(session: Session) -> None:
        session.regenerate()
        session["user"] = "ada"

    @app.post("/logout")
    async def logout(session: Session) -> None:
        session.invalidate()

    @app.get("/peek")
    async def peek(session: Session) -> dict[str, Any]:
        return session.to_dict()

    @app.post("/expire-all")
    async def expire_all() -> None:
        """Move every row's expiry into the past (runs on the app's event loop)."""
        async with db.transaction() as session:
            await session.execute(backend.table.update().values(expires=time.time() - 1))

    @app.post("/purge")
    async def purge() -> int:
        return await backend.purge_expired()

    return app, db, backend


def use_cookie(client: TestClient, value: str) -> None:
    client.cookies.clear()
    client.cookies.set("session", value)


def test_sessions_live_in_a_table(database_url: str) -> None:
    """Data persists across requests and instances; login moves it; logout deletes it."""
    app, _, _ = make_app(database_url)
    other, _, _ = make_app(database_url)
    with TestClient(app) as client, TestClient(other) as second:
        assert [client.get("/count").json() for _ in range(2)] == [1, 2]
        use_cookie(second, client.cookies["session"])
        assert second.get("/count").json() == 3  # another instance, same database
        before = client.cookies["session"]
        client.post("/login")
        after = client.cookies["session"]
        assert after != before
        use_cookie(client, before)
        assert client.get("/peek").json() == {}  # the pre-login id is gone (fixation)
        use_cookie(client, after)
        assert client.get("/peek").json() == {"n": 3, "user": "ada"}
        client.post("/logout")
        use_cookie(client, after)
        assert client.get("/peek").json() == {}


def test_expired_rows_are_ignored_and_purged(database_url: str) -> None:
    """A row past its expiry is not loaded, and purge_expired deletes it."""
    app, _, _ = make_app(database_url)
    with TestClient(app) as client:
        client.get("/count")
        client.post("/expire-all")
        assert client.get("/peek").json() == {}
        assert client.post("/purge").json() == 1


def test_needs_metadata() -> None:
    """A named database without metadata cannot hold the sessions table."""
    with pytest.raises(ImproperlyConfigured, match="no metadata"):
        DatabaseBackend(Database("sqlite+aiosqlite:///x.db", name="other"))
