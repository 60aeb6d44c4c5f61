"""Pytest fixtures that turn your ``app`` fixture into ready-to-use test clients.

Installing Schooner registers this plugin with pytest (entry point ``pytest11``), so nothing
needs to be imported or listed in ``pytest_plugins``. Define one fixture named ``app`` that
returns your application and ask for ``client`` or ``async_client``::

    @pytest.fixture
    def app() -> App:
        return create_app()

    def test_home(client: TestClient) -> None:
        assert client.get("/").status_code == 200

Both fixtures are function-scoped and already entered, so the app's lifespan startup has run
before the test and its shutdown runs after it. ``async_client`` is an asyncio fixture; with
pytest-asyncio in ``auto`` mode async tests need no marker.

This module imports httpx only when a fixture is used, so pytest keeps working in projects
that install Schooner without the ``testing`` extra.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from schooner.testing._client import AsyncTestClient, TestClient


def _async_fixture(function: Callable[..., Any]) -> Any:
    """Declare an async fixture the way the installed async test plugin understands."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - without pytest-asyncio, e.g. anyio's plugin runs it
        return pytest.fixture(function)
    # pytest-asyncio's own decorator works in its "strict" mode as well as in "auto" mode.
    return pytest_asyncio.fixture(function)


def _user_app(request: pytest.FixtureRequest) -> Any:
    """Return the value of the user's ``app`` fixture, or fail the test with a clear message."""
    try:
        return request.getfixturevalue("app")
    except pytest.FixtureLookupError as exc:
        if exc.argname != "app":
            raise  # ``app`` exists but one of its own dependencies is missing
    pytest.fail(
        f"The {request.fixturename!r} fixture needs your application: "
        "define an `app` fixture returning your Schooner app "
        "(for example in conftest.py: `@pytest.fixture` / `def app(): return create_app()`).",
        pytrace=False,
    )


@pytest.fixture
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """A :class:`~schooner.testing.TestClient` for the ``app`` fixture, entered for the test.

    Lifespan startup has run when the test starts; shutdown runs when it ends.
    """
    from schooner.testing import TestClient

    with TestClient(_user_app(request)) as test_client:
        yield test_client


@_async_fixture
async def async_client(request: pytest.FixtureRequest) -> AsyncIterator[AsyncTestClient]:
    """An :class:`~schooner.testing.AsyncTestClient` for the ``app`` fixture, entered for the test.

    Lifespan startup has run when the test starts; shutdown runs when it ends. Use it from
    ``async def`` tests: ``response = await async_client.get("/")``.
    """
    from schooner.testing import AsyncTestClient

    async with AsyncTestClient(_user_app(request)) as test_client:
        yield test_client
