"""Test helpers for apps with the ``Sessions`` component.

::

    from schooner.contrib.sessions.testing import read_session, write_session

    def test_dashboard(client: TestClient) -> None:
        write_session(client, {"user_id": 42})     # as if user 42 had logged in
        assert client.get("/dashboard").status_code == 200
        assert read_session(client)["last_page"] == "/dashboard"

Both work on the test client's cookie jar, the way the app itself would: the cookie is
signed with the app's keys and carries the app's attributes, so the app cannot tell it
from one it set. They need the cookie store (the default backend); with a server-side
store, arrange the session through the app's own routes (log in with a post).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from schooner.contrib.sessions._backends import (
    CookieBackend,
    decode_cookie_session,
    encode_cookie_session,
)
from schooner.contrib.sessions._component import Sessions
from schooner.contrib.sessions._session import Session
from schooner.exceptions import ImproperlyConfigured
from schooner.http.cookies import parse_cookie_header

if TYPE_CHECKING:
    from schooner.testing import AsyncTestClient, TestClient

__all__ = ["read_session", "write_session"]


def read_session(client: TestClient | AsyncTestClient) -> dict[str, Any]:
    """The data of the session the client's cookie holds (empty without a valid one).

    Raises:
        ImproperlyConfigured: the client's app has no ``Sessions`` component.
        TypeError: the app keeps sessions server-side.
    """
    sessions = _cookie_sessions(client)
    request = client.build_request("GET", sessions.config.path)
    client.cookies.set_cookie_header(request)
    value = parse_cookie_header(request.headers.get("cookie", "")).get(sessions.cookie.name)
    token = sessions.cookie.unsign(value) if value else None
    session = decode_cookie_session(token) if token is not None else None
    return {} if session is None else session.to_dict()


def write_session(client: TestClient | AsyncTestClient, data: Mapping[str, Any]) -> None:
    """Give the client a session cookie holding ``data``, replacing its session.

    The next requests see ``data`` in their session, as if an earlier response had stored
    it: log a user in, put items in a cart, set a flag a page reads.

    Raises:
        ImproperlyConfigured: the client's app has no ``Sessions`` component.
        TypeError: the app keeps sessions server-side.
        SessionTooLarge: ``data`` does not fit in a cookie.
    """
    import httpx

    sessions = _cookie_sessions(client)
    cookie = sessions.cookie
    value = cookie.sign(encode_cookie_session(Session(dict(data))))
    header = cookie.set_cookie(
        {"scheme": client.base_url.scheme}, value, max_age=sessions.config.max_age
    )
    # Stored through the jar's own Set-Cookie handling, so that it replaces (rather than
    # sits beside) a cookie the app set for the same host and path.
    request = client.build_request("GET", sessions.config.path)
    response = httpx.Response(200, headers=[(b"set-cookie", header)], request=request)
    client.cookies.extract_cookies(response)


def _cookie_sessions(client: TestClient | AsyncTestClient) -> Sessions:
    app = client.app
    component = getattr(app, "component", None)
    sessions = component(Sessions) if callable(component) else None
    if not isinstance(sessions, Sessions):
        raise ImproperlyConfigured(
            f"{app!r} has no Sessions component: these helpers read and write its cookie."
        )
    if not isinstance(sessions.backend, CookieBackend):
        raise TypeError(
            f"The app keeps sessions in {type(sessions.backend).__name__}, not in the cookie: "
            "arrange the session through the app's own routes (log in with a post), or test "
            "with the cookie store (the default)."
        )
    return sessions
