"""Backends for the database battery's tests: SQLite always, PostgreSQL and MariaDB when up.

Each backend gets one throwaway database per run (``schooner_test_<random>``), made with the
battery's own :class:`~schooner.contrib.orm.testing.TestDatabase`; every row is deleted after
each test. With ``CI=true`` an unreachable server fails the tests instead of skipping them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from contrib._servers import RunDatabases
from schooner import App
from schooner.contrib.orm import Database
from schooner.contrib.orm.testing import TestDatabase

from .models import Base

SERVER_BACKENDS = ["postgresql", "mariadb"]

_DATABASES = RunDatabases(Base.metadata)


def _database_for(backend: str, folder: Any) -> TestDatabase:
    """The run's database on ``backend``, created on first use (or the error that stopped it)."""
    return _DATABASES.get(backend, folder)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """Drop every database the run created, once it is over."""
    yield
    _DATABASES.drop_all()


@pytest.fixture(scope="session")
def orm_folder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Where the SQLite test database lives."""
    return tmp_path_factory.mktemp("orm")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that asks for a backend runs once per backend."""
    return str(request.param)


@pytest.fixture(params=SERVER_BACKENDS)
def server_backend(request: pytest.FixtureRequest) -> str:
    """PostgreSQL and MariaDB only (row locks, concurrency)."""
    return str(request.param)


def _clean_database(backend: str, folder: Any) -> Iterator[TestDatabase]:
    database = _database_for(backend, folder)
    try:
        yield database
    finally:
        database.run(database.clear())


@pytest.fixture
def test_db(backend: str, orm_folder: Any) -> Iterator[TestDatabase]:
    """The backend's test database, emptied after the test."""
    yield from _clean_database(backend, orm_folder)


@pytest.fixture
def server_db(server_backend: str, orm_folder: Any) -> Iterator[TestDatabase]:
    """A server backend's test database, emptied after the test."""
    yield from _clean_database(server_backend, orm_folder)


@pytest.fixture
def sqlite_db(orm_folder: Any) -> Iterator[TestDatabase]:
    """The SQLite test database, for tests whose subject does not depend on the backend."""
    yield from _clean_database("sqlite", orm_folder)


@pytest.fixture
def db_url(test_db: TestDatabase) -> str:
    """URL of the backend's test database."""
    return test_db.url


AppFactory = Callable[..., tuple[App, Database]]


@pytest.fixture
def make_app() -> AppFactory:
    """Build an App with a Database component on ``url`` (the tests add routes to it)."""

    def build(url: str, **options: Any) -> tuple[App, Database]:
        db = Database(url, metadata=Base.metadata, **options)
        return App(components=[db]), db

    return build


def run(test_db: TestDatabase, coroutine_function: Callable[[Database], Any]) -> Any:
    """Run ``await coroutine_function(db)`` against ``test_db`` from a sync test."""

    async def main() -> Any:
        db = Database(test_db.url, metadata=Base.metadata)
        async with db.running():
            return await coroutine_function(db)

    return test_db.run(main())
