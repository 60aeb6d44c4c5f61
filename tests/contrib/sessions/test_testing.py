"""schooner.contrib.sessions.testing: reading and writing a test client's session."""

from __future__ import annotations

import pytest

from schooner import App
from schooner.contrib.sessions import RedisBackend, Session, Sessions, SessionTooLarge
from schooner.contrib.sessions.testing import read_session, write_session
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient, TestClient

KEY = "k" * 40


def cart_app(sessions: Sessions | None = None) -> App:
    """An app with a page only logged-in users see, and a cart kept in the session."""
    app = App(components=[sessions or Sessions(secret_keys=[KEY])])

    @app.get("/me")
    async def me(session: Session) -> dict[str, object]:
        return {"user": session.get("user")}

    @app.post("/cart/{item}")
    async def add(item: str, session: Session) -> None:
        session["cart"] = [*session.get("cart", []), item]

    return app


def test_written_data_is_seen_by_the_app() -> None:
    """write_session() makes the next request's session hold the data."""
    with TestClient(cart_app()) as client:
        write_session(client, {"user": "ada"})
        assert client.get("/me").json() == {"user": "ada"}


def test_what_the_app_stored_can_be_read() -> None:
    """read_session() returns what the app's responses stored in the cookie."""
    with TestClient(cart_app()) as client:
        assert read_session(client) == {}
        client.post("/cart/rope")
        client.post("/cart/sail")
        assert read_session(client) == {"cart": ["rope", "sail"]}


def test_written_session_replaces_the_apps_cookie() -> None:
    """After the app set its cookie, write_session() replaces it rather than adding one."""
    with TestClient(cart_app()) as client:
        client.post("/cart/rope")
        write_session(client, {"user": "ada"})
        assert client.get("/me").json() == {"user": "ada"}
        client.post("/cart/anchor")  # the app writes on top of the arranged session
        assert read_session(client) == {"user": "ada", "cart": ["anchor"]}


def test_the_cookie_follows_the_apps_options() -> None:
    """A custom cookie name and path are used, so the app finds the cookie."""
    sessions = Sessions(secret_keys=[KEY], cookie_name="sid")
    with TestClient(cart_app(sessions)) as client:
        write_session(client, {"user": "grace"})
        assert "sid" in client.cookies
        assert client.get("/me").json() == {"user": "grace"}


async def test_the_async_client_works_too() -> None:
    """The helpers take an AsyncTestClient as well."""
    async with AsyncTestClient(cart_app()) as client:
        write_session(client, {"user": "ada"})
        assert (await client.get("/me")).json() == {"user": "ada"}
        assert read_session(client) == {"user": "ada"}


def test_a_forged_cookie_reads_as_empty() -> None:
    """A cookie the app did not sign reads as an empty session, as the app sees it."""
    with TestClient(cart_app()) as client:
        client.cookies.set("session", "forged.value.here")
        assert read_session(client) == {}


def test_too_much_data_is_refused() -> None:
    """Data that would not fit in a cookie fails as it would in the app."""
    with TestClient(cart_app()) as client, pytest.raises(SessionTooLarge):
        write_session(client, {"blob": "x" * 5000})


def test_server_side_sessions_are_refused_with_a_hint() -> None:
    """With a server-side store the helpers say how to arrange the session instead."""
    sessions = Sessions(RedisBackend("redis://127.0.0.1:6379/10"), secret_keys=[KEY])
    with TestClient(cart_app(sessions)) as client, pytest.raises(TypeError, match="log in"):
        write_session(client, {"user": "ada"})


def test_an_app_without_sessions_is_refused() -> None:
    """Using the helpers on an app without the component is a configuration error."""
    with TestClient(App()) as client, pytest.raises(ImproperlyConfigured, match="Sessions"):
        read_session(client)
