"""The database servers the batteries' tests run on, and what to do when one is down.

SQLite always runs; PostgreSQL and MariaDB run when their server answers. An unreachable
server skips the test locally and fails it with ``CI=true``, where every suite must run.
"""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

from schooner.contrib.orm.testing import TestDatabase

SERVERS: dict[str, str | None] = {
    "sqlite": None,
    "postgresql": os.environ.get(
        "TEST_POSTGRESQL_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    ),
    "mariadb": os.environ.get("TEST_MARIADB_URL", "mysql+aiomysql://root@127.0.0.1:3306/"),
}
"""Backend -> a URL on its server (``None``: a SQLite file)."""


def reachable(url: str) -> bool:
    """Whether something listens at the URL's host and port."""
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 0), timeout=1):
            return True
    except OSError:
        return False


def unavailable(backend: str, reason: object) -> None:
    """Skip the test (locally) or fail it (``CI=true``): ``backend`` cannot be used."""
    message = f"{backend} is not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: server-backed suites must run)", pytrace=False)
    pytest.skip(message)


def require_server(backend: str) -> str | None:
    """``backend``'s server URL (``None`` for SQLite), or skip/fail when it is down."""
    server = SERVERS[backend]
    if server is not None and not reachable(server):
        unavailable(backend, f"nothing listens at {make_url(server).host}")
    return server


class RunDatabases:
    """One test database per backend for the whole run, made on first use with the tables
    of ``metadata`` (or the error that stopped it), and dropped by :meth:`drop_all`."""

    def __init__(self, metadata: MetaData) -> None:
        self.metadata = metadata
        self.created: dict[str, TestDatabase | BaseException] = {}

    def get(self, backend: str, folder: Any) -> TestDatabase:
        """The run's database on ``backend``; skip or fail (``CI=true``) when unavailable."""
        server = require_server(backend)
        if backend not in self.created:
            database = TestDatabase(server, metadata=self.metadata, folder=folder)
            try:
                database.run(database.create())
                self.created[backend] = database
            except Exception as exc:
                self.created[backend] = exc
        created = self.created[backend]
        if isinstance(created, BaseException):
            unavailable(backend, created)
        assert isinstance(created, TestDatabase)
        return created

    def drop_all(self) -> None:
        """Drop every database the run made."""
        for created in self.created.values():
            if isinstance(created, TestDatabase):
                created.run(created.drop())
