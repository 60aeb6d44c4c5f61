"""Tests for the testing support users get: throwaway databases, isolation, fixtures."""
# No "from __future__ import annotations": handlers here refer to local names.

import pytest
from sqlalchemy import func, select, text

from schooner import App
from schooner.contrib.orm import AsyncSession, Database, Session
from schooner.contrib.orm.testing import TestDatabase, rollback_isolation
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

from .conftest import AppFactory, run
from .models import Ship

pytest_plugins = ["pytester"]


def ship_app(url: str, make_app: AppFactory) -> tuple[App, Database]:
    """An app that adds and counts ships."""
    app, db = make_app(url)

    @app.post("/ships")
    async def add(name: str, session: AsyncSession) -> None:
        session.add(Ship(name=name))

    @app.get("/ships/count")
    async def count(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Ship)) or 0)

    return app, db


def stored_ships(test_db: TestDatabase) -> int:
    """How many ships are really committed."""

    async def count(db: Database) -> int:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Ship)) or 0)

    result: int = run(test_db, count)
    return result


def test_rollback_isolation_keeps_data_within_the_app_run_only(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """Requests see each other's commits during the test; nothing is left afterwards."""
    app, _ = ship_app(test_db.url, make_app)
    with rollback_isolation(app), TestClient(app) as client:
        assert client.post("/ships?name=Ephemeral").status_code == 204
        assert client.post("/ships?name=Ephemeral").status_code == 409  # savepoint rolled back
        assert client.post("/ships?name=Second").status_code == 204
        assert client.get("/ships/count").json() == 2
    assert stored_ships(test_db) == 0
    with TestClient(app) as client:  # isolation is over: commits are real again
        client.post("/ships?name=Real")
    assert stored_ships(test_db) == 1


def test_rollback_isolation_refuses_sync_sessions(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """Sync sessions cannot join the event loop's transaction; the error says what to use."""
    app, _ = make_app(sqlite_db.url)

    @app.get("/sync")
    def sync(session: Session) -> None:
        pass

    with (
        rollback_isolation(app),
        TestClient(app) as client,
        pytest.raises(ImproperlyConfigured, match="orm_clean"),
    ):
        client.get("/sync")


def test_rollback_isolation_needs_a_database() -> None:
    """Pointing it at an app without a Database component is a clear error."""
    with (
        pytest.raises(ImproperlyConfigured, match="no Database component"),
        rollback_isolation(App()),
    ):
        pass


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"], indirect=True)
def test_test_database_is_created_and_dropped(backend: str, test_db: TestDatabase) -> None:
    """A throwaway database appears on the server and is gone after ``drop``."""
    server = test_db.server
    assert server is not None
    probe = TestDatabase(server.render_as_string(hide_password=False))
    listing = (
        "SELECT datname FROM pg_database"
        if backend == "postgresql"
        else "SELECT schema_name FROM information_schema.schemata"
    )

    async def names(db: Database) -> set[str]:
        async with db.engine.connect() as connection:
            return set((await connection.execute(text(listing))).scalars())

    probe.run(probe.create())
    assert probe.database in run(test_db, names)
    probe.run(probe.drop())
    assert probe.database not in run(test_db, names)


USER_CONFTEST = """
from collections.abc import Iterator

import pytest
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App
from schooner.contrib.orm import AsyncSession, Database, IntPK, Model
from schooner.contrib.orm.testing import rollback_isolation

pytest_plugins = ["schooner.contrib.orm.testing"]


class Note(IntPK, Model):
    __tablename__ = "notes"
    text: Mapped[str] = mapped_column(String(100))


def create_app(url: str) -> App:
    app = App(components=[Database(url)])

    @app.post("/notes", status_code=201)
    async def add(text: str, session: AsyncSession) -> Note:
        note = Note(text=text)
        session.add(note)
        await session.flush()
        return note

    return app


@pytest.fixture
def app(orm_database_url: str) -> Iterator[App]:
    app = create_app(orm_database_url)
    with rollback_isolation(app):
        yield app
"""

USER_TESTS = """
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from conftest import Note, create_app
from schooner.testing import TestClient


def test_first(client):
    assert client.post("/notes?text=hello").status_code == 201


def test_isolated(client):
    assert client.post("/notes?text=again").json()["text"] == "again"


async def test_session_sees_no_leftovers(orm_session):
    assert await orm_session.scalar(select(func.count()).select_from(Note)) == 0
    orm_session.add(Note(text="rolled back"))
    await orm_session.flush()


def test_clean_allows_real_commits(orm_clean):
    with TestClient(create_app(orm_clean)) as client:
        client.post("/notes?text=committed")


async def test_clean_left_nothing(orm_database_url):
    engine = create_async_engine(orm_database_url)
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Note)) == 0
    await engine.dispose()
"""


def test_fixtures_in_a_user_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project enables the plugin, builds its app on the test database, and stays isolated."""
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_notes=USER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_pytest_collects_no_helper_as_a_test() -> None:
    """``TestDatabase`` is marked as not a test class."""
    assert TestDatabase.__test__ is False
