"""An app with the accounts battery on each backend: SQLite always, PostgreSQL and MariaDB
when up (with ``CI=true`` an unreachable server fails the tests instead of skipping them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from contrib._servers import RunDatabases
from schooner import App, Settings
from schooner.contrib.auth import Argon2Parameters, Auth, PasswordHasher, User
from schooner.contrib.csrf import CSRF
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.mail.testing import use_memory_backend
from schooner.contrib.orm import Database, Model
from schooner.contrib.orm.testing import TestDatabase, rollback_isolation
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.testing import AsyncTestClient

PASSWORD = "correct horse battery staple"

# Fast hashing for tests; the default parameters are measured in benchmarks/passwords.py.
FAST_HASHER_PARAMETERS = Argon2Parameters(time_cost=1, memory_cost=1024, parallelism=1)

_DATABASES = RunDatabases(Model.metadata)


def database_for(backend: str, folder: Any) -> TestDatabase:
    """The run's test database on ``backend`` with every table of ``Model.metadata``."""
    return _DATABASES.get(backend, folder)


@pytest.fixture(scope="session", autouse=True)
def _drop_auth_databases() -> Iterator[None]:
    """Drop every database the run created, once it is over."""
    yield
    _DATABASES.drop_all()


@pytest.fixture(scope="session")
def auth_folder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Where the SQLite test database lives."""
    return tmp_path_factory.mktemp("auth")


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that builds the account app runs once per backend."""
    return str(request.param)


AppFactory = Callable[..., App]


@pytest.fixture
def make_auth_app(backend: str, auth_folder: Any) -> Iterator[AppFactory]:
    """Build an app with the accounts battery on the backend's test database; every test's
    writes are rolled back (rollback isolation)."""
    database = database_for(backend, auth_folder)

    def build(
        *extra: Any, settings: Settings | None = None, isolated: bool = True, **options: Any
    ) -> App:
        """The app; ``isolated=False`` commits for real (rows are deleted after the test),
        for tests of writes that must outlive a failed request."""
        app = App(
            settings=settings or Settings(secret_key="test-secret-key-" + "x" * 32),
            components=[
                Database(database.url),
                Sessions(),
                Templates(auth_folder),
                Forms(),
                CSRF(),
                Mail(base_url="https://shop.example", default_from="Shop <noreply@shop.example>"),
                *extra,
                Auth(hasher=PasswordHasher(FAST_HASHER_PARAMETERS), **options),
            ],
        )
        use_memory_backend(app)
        if isolated:
            isolation = rollback_isolation(app)
            isolation.__enter__()
            isolations.append(isolation)
        else:
            committed.append(True)
        return app

    isolations: list[Any] = []
    committed: list[bool] = []
    yield build
    for isolation in isolations:
        isolation.__exit__(None, None, None)
    if committed:
        database.run(database.clear())


@pytest.fixture
def app(make_auth_app: AppFactory) -> App:
    """The default account app."""
    return make_auth_app()


@pytest_asyncio.fixture
async def async_client(app: App) -> AsyncIterator[AsyncTestClient]:
    """A started client of the app whose requests look like the site's own front end's
    (``Sec-Fetch-Site: same-origin``), as a browser's would."""
    async with AsyncTestClient(app) as client:
        as_browser(client)
        yield client


async def make_user(app: App, email: str = "ada@example.com", **fields: Any) -> User:
    """Store a verified, active user with :data:`PASSWORD` directly."""
    auth = app.component(Auth)
    assert auth is not None
    user = User(email=email, email_verified=fields.pop("email_verified", True), **fields)
    user.password = await auth.hasher.hash(fields.pop("password", PASSWORD))
    async with auth.database.transaction() as session:
        session.add(user)
    return user
