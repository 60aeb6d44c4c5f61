"""An app with the admin on the polls models, on SQLite and, for the tests that depend on
the database, PostgreSQL and MariaDB too (with ``CI=true`` an unreachable server fails
those tests instead of skipping them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from contrib._servers import RunDatabases
from schooner import App, Settings
from schooner.contrib.admin import Admin
from schooner.contrib.auth import AbstractUser, Auth, grant, sync_permissions
from schooner.contrib.auth.testing import create_user, fast_hasher, force_login
from schooner.contrib.csrf import CSRF
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.mail.testing import use_memory_backend
from schooner.contrib.orm import Database, Model
from schooner.contrib.orm.testing import TestDatabase, rollback_isolation
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.testing import AsyncTestClient

from .polls import QUESTIONS, Polls

_DATABASES = RunDatabases(Model.metadata)

AppFactory = Callable[..., App]


@pytest.fixture(scope="session", autouse=True)
def _drop_admin_databases() -> Iterator[None]:
    """Drop every database the run created, once it is over."""
    yield
    _DATABASES.drop_all()


@pytest.fixture(scope="session")
def admin_folder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Where the SQLite test database and the project's templates live."""
    return tmp_path_factory.mktemp("admin")


def admin_app(database: TestDatabase, folder: Any, **options: Any) -> App:
    """The polls site: the admin with its batteries, the default security headers (so
    the default Content-Security-Policy applies), questions given to Admin() and the rest
    contributed by the Polls component."""
    options.setdefault("models", [QUESTIONS])
    return App(
        settings=Settings(secret_key="admin-test-secret-" + "x" * 32),
        components=[
            SecurityHeaders(),
            Database(database.url),
            Sessions(),
            Templates(folder),
            Forms(),
            CSRF(),
            Mail(base_url="https://polls.example", default_from="Polls <noreply@polls.example>"),
            Auth(hasher=fast_hasher()),
            Polls(),
            Admin(site_title="Polls admin", **options),
        ],
    )


@pytest.fixture
def make_app(admin_folder: Any) -> Iterator[Callable[..., App]]:
    """Build the polls site on a backend's run database; every test's writes are rolled
    back."""
    isolations: list[Any] = []

    def build(backend: str = "sqlite", **options: Any) -> App:
        app = admin_app(_DATABASES.get(backend, admin_folder), admin_folder, **options)
        use_memory_backend(app)
        isolation = rollback_isolation(app)
        isolation.__enter__()
        isolations.append(isolation)
        return app

    yield build
    for isolation in isolations:
        isolation.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def backend(request: pytest.FixtureRequest) -> str:
    """The tests of what depends on the database run once per backend."""
    return str(request.param)


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    """The polls site on SQLite (the page-level tests)."""
    return make_app()


@pytest.fixture
def any_app(make_app: Callable[..., App], backend: str) -> App:
    """The polls site on each backend."""
    return make_app(backend)


async def started(app: App) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app) as client:
        as_browser(client)
        yield client


@pytest_asyncio.fixture
async def client(app: App) -> AsyncIterator[AsyncTestClient]:
    """A started client of the SQLite site, a browser on its own pages, not signed in."""
    async for made in started(app):
        yield made


@pytest_asyncio.fixture
async def any_client(any_app: App) -> AsyncIterator[AsyncTestClient]:
    """A started client of the site on each backend."""
    async for made in started(any_app):
        yield made


def _auth(app: App) -> Auth:
    auth = app.component(Auth)
    assert auth is not None
    return auth


async def sign_in(
    client: AsyncTestClient,
    email: str = "admin@polls.example",
    *,
    superuser: bool = True,
    staff: bool = True,
    permissions: tuple[str, ...] = (),
) -> AbstractUser:
    """Create a user (a staff superuser by default, else with ``permissions``) and sign the
    client in as them."""
    app: Any = client.app
    user = await create_user(app, email, is_staff=staff, is_superuser=superuser)
    if permissions:
        await sync_permissions(_auth(app).database, _auth(app))
        async with _auth(app).database.transaction() as db:
            await grant(db, user, *permissions)
    force_login(client, user)
    return user
