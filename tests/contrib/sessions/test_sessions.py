"""The sessions battery: signed cookies, rotation, expiry, regeneration and the Redis backend."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from schooner import App, Settings
from schooner.contrib.sessions import (
    Flash,
    RedisBackend,
    Session,
    Sessions,
    SessionTooLarge,
)
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient
from schooner.websockets import WebSocket

KEY = "k" * 40
OLD_KEY = "o" * 40


def session_app(sessions: Sessions | None = None, **app_options: Any) -> App:
    """An app that counts visits in the session and can log in, out and flash."""
    app = App(components=[sessions or Sessions(secret_keys=[KEY])], **app_options)

    @app.get("/count")
    async def count(session: Session) -> dict[str, int]:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    @app.get("/peek")
    async def peek(session: Session) -> dict[str, Any]:
        return session.to_dict()

    @app.get("/nothing")
    async def nothing() -> str:
        return "no session used"

    @app.post("/login")
    async def login(session: Session) -> dict[str, str | None]:
        before = session.id
        session.regenerate()
        session["user"] = "ada"
        return {"before": before}

    @app.post("/logout")
    async def logout(session: Session) -> None:
        session.invalidate()

    @app.post("/big")
    async def big(session: Session) -> None:
        session["blob"] = "x" * 5000

    @app.post("/flash")
    async def add_flash(flash: Flash) -> None:
        flash.success("Saved.")
        flash.error("But one thing failed.")

    @app.get("/flashes")
    async def read_flashes(flash: Flash) -> list[dict[str, str]]:
        return [{"message": m.message, "level": m.level} for m in flash.pop_all()]

    return app


def use_cookie(client: TestClient, value: str) -> None:
    """Make ``value`` the only session cookie the client sends."""
    client.cookies.clear()
    client.cookies.set("session", value)


def set_cookie(response: Any) -> str:
    headers: list[str] = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    return headers[0]


def test_values_persist_between_requests() -> None:
    """What a handler stores is there on the next request."""
    with TestClient(session_app()) as client:
        assert client.get("/count").json() == {"visits": 1}
        assert client.get("/count").json() == {"visits": 2}
        assert client.get("/peek").json() == {"visits": 2}


def test_cookie_has_safe_attributes() -> None:
    """HttpOnly, SameSite=Lax, Path=/ and a Max-Age; not Secure on plain HTTP."""
    with TestClient(session_app()) as client:
        header = set_cookie(client.get("/count"))
    assert header.startswith("session=")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Path=/" in header
    assert f"Max-Age={14 * 24 * 3600}" in header
    assert "Secure" not in header


def test_cookie_is_secure_on_https_and_in_production() -> None:
    """HTTPS requests, and every request in production, get a Secure cookie."""
    with TestClient(session_app(), base_url="https://testserver") as client:
        assert "Secure" in set_cookie(client.get("/count"))
    production = Settings(environment="production", secret_key=KEY, allowed_hosts=["testserver"])
    with TestClient(session_app(settings=production)) as client:
        assert "Secure" in set_cookie(client.get("/count"))


def test_untouched_sessions_send_no_cookie() -> None:
    """A handler that does not use the session gets no Set-Cookie and no Vary."""
    with TestClient(session_app()) as client:
        response = client.get("/nothing")
        assert "set-cookie" not in response.headers
        assert "vary" not in response.headers
        empty = client.get("/peek")
        assert empty.json() == {}
        assert "set-cookie" not in empty.headers
        assert empty.headers["vary"] == "Cookie"


def test_tampered_cookie_is_ignored() -> None:
    """Changing one character of the cookie gives a fresh, empty session."""
    with TestClient(session_app()) as client:
        client.get("/count")
        client.get("/count")
        value = client.cookies["session"]
        payload, _, rest = value.partition(".")
        forged = payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + rest
        use_cookie(client, forged)
        assert client.get("/peek").json() == {}
        use_cookie(client, "not-even-signed")
        assert client.get("/peek").json() == {}


def test_a_new_secret_key_invalidates_old_cookies() -> None:
    """Cookies signed with a key that is no longer listed are ignored."""
    with TestClient(session_app(Sessions(secret_keys=[OLD_KEY]))) as old:
        old.get("/count")
        cookie = old.cookies["session"]
    with TestClient(session_app(Sessions(secret_keys=[KEY]))) as new:
        use_cookie(new, cookie)
        assert new.get("/peek").json() == {}


def test_rotated_key_still_verifies_and_new_cookies_use_the_new_key() -> None:
    """With the old key as a fallback, old cookies work and are re-signed with the new one."""
    with TestClient(session_app(Sessions(secret_keys=[OLD_KEY]))) as old:
        old.get("/count")
        cookie = old.cookies["session"]
    rotated = Settings(secret_key=KEY, secret_key_fallbacks=[OLD_KEY])  # type: ignore[list-item]
    with TestClient(session_app(Sessions(), settings=rotated)) as client:
        use_cookie(client, cookie)
        response = client.get("/count")
        assert response.json() == {"visits": 2}
        resigned = set_cookie(response).split(";")[0].removeprefix("session=")
    with TestClient(session_app(Sessions(secret_keys=[KEY]))) as new_only:
        use_cookie(new_only, resigned)
        assert new_only.get("/peek").json() == {"visits": 2}


def test_rolling_expiry_renews_the_cookie(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request that uses the session restarts its lifetime; idle ones expire."""
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    with TestClient(session_app(Sessions(secret_keys=[KEY], max_age=100))) as client:
        client.get("/count")
        clock[0] += 80
        assert "set-cookie" in client.get("/peek").headers  # renewed, though unchanged
        clock[0] += 80  # 160 s after creation, 80 s after the last use
        assert client.get("/peek").json() == {"visits": 1}
        clock[0] += 101
        assert client.get("/peek").json() == {}


def test_absolute_expiry_ignores_activity(monkeypatch: pytest.MonkeyPatch) -> None:
    """An absolute session ends max_age after creation however active it is."""
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    sessions = Sessions(secret_keys=[KEY], max_age=100, expiry="absolute")
    with TestClient(session_app(sessions)) as client:
        client.get("/count")
        clock[0] += 60
        response = client.get("/count")
        assert "Max-Age=40" in set_cookie(response)
        clock[0] += 50
        assert client.get("/peek").json() == {}


def test_logout_deletes_the_cookie() -> None:
    """invalidate() empties the session and expires the cookie."""
    with TestClient(session_app()) as client:
        client.get("/count")
        header = set_cookie(client.post("/logout"))
        assert header.startswith(("session=;", 'session="";'))
        assert "Max-Age=0" in header
        assert client.get("/peek").json() == {}


def test_too_big_for_a_cookie_is_an_error_not_a_silent_loss() -> None:
    """A session over ~4 KB fails loudly and says what to do."""
    with (
        TestClient(session_app()) as client,
        pytest.raises(SessionTooLarge, match="RedisBackend"),
    ):
        client.post("/big")


def test_flash_messages_are_shown_once() -> None:
    """Flashed messages survive a redirect and are removed once read."""
    with TestClient(session_app()) as client:
        client.post("/flash")
        assert client.get("/flashes").json() == [
            {"message": "Saved.", "level": "success"},
            {"message": "But one thing failed.", "level": "error"},
        ]
        assert client.get("/flashes").json() == []


def test_flash_rejects_unknown_levels() -> None:
    """A typo in a level is an error, not a message nobody styles."""
    flash = Flash(Session())
    with pytest.raises(ValueError, match="must be one of"):
        flash.add("x", "fatal")  # type: ignore[arg-type]


def test_websockets_can_read_the_session() -> None:
    """A websocket handler sees the session of the cookie sent with the handshake."""
    app = session_app()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, session: Session) -> None:
        await websocket.accept()
        await websocket.send_json(session.to_dict())
        await websocket.close()

    with TestClient(app) as client:
        client.get("/count")
        with client.websocket_connect("/ws") as connection:
            assert connection.receive_json() == {"visits": 1}


def test_bad_options_are_configuration_errors() -> None:
    """Nonsense options fail when the component is created."""
    with pytest.raises(ImproperlyConfigured, match="max_age"):
        Sessions(max_age=0)
    with pytest.raises(ImproperlyConfigured, match="rolling"):
        Sessions(expiry="sliding")  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured, match="at least one key"):
        Sessions(secret_keys=[""])


def test_development_without_a_key_uses_a_random_one(caplog: pytest.LogCaptureFixture) -> None:
    """With no secret key outside production, sessions work and a warning says why to set one."""
    with TestClient(session_app(Sessions())) as client:
        assert client.get("/count").json() == {"visits": 1}
        assert client.get("/count").json() == {"visits": 2}
    assert "No secret key is set" in caplog.text


# -- Redis ------------------------------------------------------------------------------------


def redis_sessions(url: str, prefix: str) -> Sessions:
    return Sessions(RedisBackend(url, prefix=prefix), secret_keys=[KEY])


def test_redis_sessions_are_shared_by_two_instances(redis_url: str) -> None:
    """Two app instances on one Redis serve the same session; the cookie holds only an id."""
    prefix = f"test:{uuid.uuid4().hex}:"
    first = session_app(redis_sessions(redis_url, prefix))
    second = session_app(redis_sessions(redis_url, prefix))
    with TestClient(first) as a, TestClient(second) as b:
        a.get("/count")
        a.get("/count")
        use_cookie(b, a.cookies["session"])
        assert b.get("/count").json() == {"visits": 3}
        assert a.get("/peek").json() == {"visits": 3}
        assert len(a.cookies["session"]) < 120  # a signed id, not the data


def test_redis_regenerate_and_logout_destroy_the_old_entry(redis_url: str) -> None:
    """Login moves the data to a new id (the old one is gone); logout deletes it."""
    prefix = f"test:{uuid.uuid4().hex}:"
    with TestClient(session_app(redis_sessions(redis_url, prefix))) as client:
        client.get("/count")
        before_login = client.cookies["session"]
        assert client.post("/login").json()["before"] is not None
        after_login = client.cookies["session"]
        assert after_login != before_login
        assert client.get("/peek").json() == {"visits": 1, "user": "ada"}
        # An attacker who planted the pre-login cookie gets an empty session.
        use_cookie(client, before_login)
        assert client.get("/peek").json() == {}
        use_cookie(client, after_login)
        client.post("/logout")
        use_cookie(client, after_login)
        assert client.get("/peek").json() == {}


def test_redis_entries_expire_with_the_session(redis_url: str) -> None:
    """The Redis entry carries the session's lifetime as its TTL."""
    import redis

    prefix = f"test:{uuid.uuid4().hex}:"
    with TestClient(
        session_app(
            Sessions(RedisBackend(redis_url, prefix=prefix), secret_keys=[KEY], max_age=300)
        )
    ) as client:
        client.get("/count")
    direct = redis.Redis.from_url(redis_url)
    try:
        keys = direct.keys(prefix + "*")
        assert len(keys) == 1
        assert 0 < direct.ttl(keys[0]) <= 300
        direct.delete(*keys)
    finally:
        direct.close()
