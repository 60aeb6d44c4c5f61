"""Tests for the schooner pytest plugin's ``client`` and ``async_client`` fixtures."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# A conftest with an ``app`` fixture: a raw ASGI app that records its lifespan events in a
# list the tests can see, and answers every request with its lifespan state.
APP_CONFTEST = """
import json

import pytest

EVENTS = []


async def app_(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].split(".")[1]
            EVENTS.append(kind)
            if kind == "startup":
                scope["state"]["ready"] = True
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    body = json.dumps({"state": scope["state"], "events": EVENTS}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def app():
    return app_


@pytest.fixture
def events():
    return EVENTS
"""


def write_ini(pytester: pytest.Pytester, mode: str = "strict") -> None:
    """Configure the inner pytest run's asyncio mode (and silence pytest-asyncio's warning)."""
    pytester.makeini(
        f"[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n"
    )


def test_plugin_is_registered_by_the_entry_point(pytester: pytest.Pytester) -> None:
    """The plugin loads on its own, through the ``pytest11`` entry point."""
    write_ini(pytester)
    pytester.makepyfile(
        """
        def test_plugin(pytestconfig):
            assert pytestconfig.pluginmanager.has_plugin("schooner")
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_client_fixture_is_entered(pytester: pytest.Pytester) -> None:
    """``client`` has run startup before the test and runs shutdown after it."""
    write_ini(pytester)
    pytester.makeconftest(APP_CONFTEST)
    pytester.makepyfile(
        """
        from schooner.testing import TestClient

        def test_client(client, events):
            assert isinstance(client, TestClient)
            assert client.get("/").json() == {"state": {"ready": True}, "events": ["startup"]}

        def test_after(events):
            assert events == ["startup", "shutdown"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_async_client_fixture_in_auto_mode(pytester: pytest.Pytester) -> None:
    """``async_client`` works in a plain ``async def`` test under asyncio auto mode."""
    pytester.makeconftest(APP_CONFTEST)
    write_ini(pytester, "auto")
    pytester.makepyfile(
        """
        from schooner.testing import AsyncTestClient

        async def test_async_client(async_client, events):
            assert isinstance(async_client, AsyncTestClient)
            response = await async_client.get("/")
            assert response.json() == {"state": {"ready": True}, "events": ["startup"]}

        def test_after(events):
            assert events == ["startup", "shutdown"]
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_async_client_fixture_in_strict_mode(pytester: pytest.Pytester) -> None:
    """``async_client`` is a pytest-asyncio fixture, so it also works in strict mode."""
    pytester.makeconftest(APP_CONFTEST)
    write_ini(pytester, "strict")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        async def test_async_client(async_client):
            assert (await async_client.get("/")).json()["state"] == {"ready": True}
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize("fixture", ["client", "async_client"])
def test_missing_app_fixture_says_what_to_define(pytester: pytest.Pytester, fixture: str) -> None:
    """Without an ``app`` fixture the error tells the user to define one."""
    write_ini(pytester, "auto")
    pytester.makepyfile(
        f"""
        async def test_it({fixture}):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*define an `app` fixture returning your Schooner app*"])


def test_app_fixture_with_missing_dependency_is_reported_as_such(
    pytester: pytest.Pytester,
) -> None:
    """If ``app`` exists but needs an unknown fixture, pytest names that fixture instead."""
    write_ini(pytester)
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def app(settings_that_do_not_exist):
            return None

        def test_it(client):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'settings_that_do_not_exist' not found*"])
    result.stdout.no_fnmatch_line("*define an `app` fixture*")


def test_user_fixture_named_client_wins(pytester: pytest.Pytester) -> None:
    """A project's own ``client`` fixture overrides the plugin's."""
    write_ini(pytester)
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def client():
            return "mine"

        def test_it(client):
            assert client == "mine"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
