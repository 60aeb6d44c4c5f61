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
from sqlalchemy import String, select
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

    @app.get("/notes")
    async def texts(session: AsyncSession) -> list[str]:
        return list(await session.scalars(select(Note.text).order_by(Note.id)))

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


async def test_arranged_rows_are_what_the_app_sees(orm_session, async_client):
    orm_session.add(Note(text="arranged"))
    await orm_session.flush()
    assert (await async_client.get("/notes")).json() == ["arranged"]
    assert (await async_client.post("/notes?text=posted")).status_code == 201
    texts = await orm_session.scalars(select(Note.text).order_by(Note.id))
    assert list(texts) == ["arranged", "posted"]


async def test_the_arranged_rows_were_rolled_back(async_client, orm_session):
    assert (await async_client.get("/notes")).json() == []
    assert await orm_session.scalar(select(func.count()).select_from(Note)) == 0
"""


def user_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, backend: str, conftest: str
) -> None:
    """Lay out a project using the plugin, its test database on ``backend``."""
    from contrib._servers import require_server

    server = require_server(backend)
    if server is None:
        monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("TEST_DATABASE_URL", server)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    pytester.makeconftest(conftest)


SYNC_CLIENT_TEST = """
async def test_mixing(orm_session, client):
    pass
"""


def test_fixtures_in_a_user_project(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """A project builds its app on the test database, arranges rows the app sees, stays isolated.

    On SQLite it also mixes ``orm_session`` with the sync client, which runs the app on
    another event loop: a setup error names the fix.
    """
    user_project(pytester, monkeypatch, backend, USER_CONFTEST)
    pytester.makepyfile(test_notes=USER_TESTS)
    if backend == "sqlite":
        pytester.makepyfile(test_mixing=SYNC_CLIENT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    if backend == "sqlite":
        result.assert_outcomes(passed=7, errors=1)
        result.stdout.fnmatch_lines(["*use the async client (the async_client fixture*"])
    else:
        result.assert_outcomes(passed=7)


def test_pytest_collects_no_helper_as_a_test() -> None:
    """``TestDatabase`` is marked as not a test class."""
    assert TestDatabase.__test__ is False


MIGRATED_CONFTEST = """
import pytest
from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App
from schooner.contrib.orm import AsyncSession, Database, IntPK, Model

pytest_plugins = ["schooner.contrib.orm.testing"]


class Note(IntPK, Model):
    __tablename__ = "notes"
    text: Mapped[str] = mapped_column(String(100))


@pytest.fixture(scope="session")
def orm_metadata():
    return []  # the migrations make the tables


@pytest.fixture(scope="session")
def migrated(orm_test_database):
    async def migrate():  # what migrate(app) does, as far as this test can tell
        db = Database(orm_test_database.url)
        async with db.running(), db.engine.begin() as connection:
            await connection.run_sync(Model.metadata.create_all)
            await connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            await connection.execute(text("INSERT INTO alembic_version VALUES ('1bc136329753')"))

    orm_test_database.run(migrate())
    return orm_test_database.url


@pytest.fixture
def app(migrated, orm_clean):
    app = App(components=[Database(orm_clean)])

    @app.post("/notes", status_code=201)
    async def add(text: str, session: AsyncSession) -> None:
        session.add(Note(text=text))

    @app.get("/notes/count")
    async def count(session: AsyncSession) -> int:
        return len((await session.scalars(Note.__table__.select())).all())

    @app.get("/revision")
    async def revision(session: AsyncSession) -> str:
        return str(await session.scalar(text("SELECT version_num FROM alembic_version")))

    return app
"""

MIGRATED_TESTS = """
def test_first(client):
    assert client.post("/notes?text=committed").status_code == 201
    assert client.get("/notes/count").json() == 1


def test_second_starts_empty(client):
    assert client.get("/notes/count").json() == 0
    assert client.get("/revision").text == "1bc136329753"  # Alembic's table is kept
"""


def test_orm_clean_empties_a_migrated_schema(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """With ``orm_metadata = []`` the tables come from migrations; rows still do not leak."""
    user_project(pytester, monkeypatch, backend, MIGRATED_CONFTEST)
    pytester.makepyfile(test_notes=MIGRATED_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
