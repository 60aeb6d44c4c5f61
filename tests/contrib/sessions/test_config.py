"""SessionsConfig: validated options, built from keywords, a config, settings or the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from schooner import App, Settings
from schooner.config import Secret
from schooner.contrib.sessions import RedisBackend, Session, Sessions, SessionsConfig
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

KEY = "k" * 40


class SiteSettings(Settings, frozen=True):
    """Project settings with a sessions block."""

    sessions: SessionsConfig = msgspec.field(default_factory=SessionsConfig)


def counting_app(sessions: Sessions) -> App:
    """An app whose one route counts visits in the session."""
    app = App(components=[sessions])

    @app.get("/count")
    async def count(session: Session) -> int:
        session["n"] = session.get("n", 0) + 1
        return int(session["n"])

    return app


def test_keywords_and_config_build_the_same_component() -> None:
    """Sessions(cookie_name=...) and Sessions(config=SessionsConfig(cookie_name=...)) agree."""
    by_keyword = Sessions(cookie_name="sid", max_age=60)
    by_config = Sessions(config=SessionsConfig(cookie_name="sid", max_age=60))
    assert by_keyword.config == by_config.config
    assert by_keyword.config.cookie_name == "sid"


def test_keywords_win_over_the_config() -> None:
    """A keyword option overrides the same field of config=, and the rest is kept."""
    sessions = Sessions(config=SessionsConfig(cookie_name="sid", max_age=60), max_age=120)
    assert (sessions.config.cookie_name, sessions.config.max_age) == ("sid", 120)


def test_the_backend_can_be_given_positionally_or_in_the_config() -> None:
    """The first parameter is the backend; config=SessionsConfig(backend=...) is the same."""
    backend = RedisBackend("redis://127.0.0.1:6379/10")
    assert Sessions(backend).backend is backend
    assert Sessions(config=SessionsConfig(backend=backend)).backend is backend


def test_the_cookie_the_app_sets_follows_the_config() -> None:
    """The configured name, lifetime and SameSite are what the browser receives."""
    config = SessionsConfig(
        secret_keys=[KEY], cookie_name="sid", max_age=90, same_site="strict", path="/"
    )
    with TestClient(counting_app(Sessions(config=config))) as client:
        header = client.get("/count").headers["set-cookie"]
    assert header.startswith("sid=")
    assert "Max-Age=90" in header
    assert "SameSite=Strict" in header


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_age": 0}, "max_age must be at least 1 second"),
        ({"expiry": "sliding"}, "'rolling' or 'absolute'"),
        ({"same_site": "sometimes"}, "'lax', 'strict' or 'none'"),
        ({"same_site": "none", "secure": False}, "must be Secure"),
        ({"secret_keys": [""]}, "at least one key"),
        ({"cookie_name": "my session"}, "not a valid cookie name"),
        ({"path": "admin"}, "must start with '/'"),
        ({"domain": "a b"}, "is not a host name"),
        ({"backend": object()}, "must be a session backend"),
        ({"colour": "blue"}, "has no option colour"),
    ],
)
def test_bad_options_say_how_to_fix_them(options: dict[str, Any], message: str) -> None:
    """Each invalid option is an ImproperlyConfigured naming the option and the fix."""
    with pytest.raises(ImproperlyConfigured, match=message):
        Sessions(**options)


def test_secret_keys_are_secrets() -> None:
    """Keys given as strings are kept as Secret, so printing the config hides them."""
    config = SessionsConfig(secret_keys=[KEY])  # type: ignore[list-item]
    assert config.secret_keys == [Secret(KEY)]
    assert KEY not in repr(config)


def test_a_settings_block_configures_the_component(tmp_path: Path) -> None:
    """[schooner.sessions] in schooner.toml fills the block; unknown keys are refused."""
    toml = tmp_path / "schooner.toml"
    toml.write_text('[schooner.sessions]\ncookie_name = "sid"\nmax_age = 600\n')
    settings = SiteSettings.load(toml_file=toml, env_file=None, environ={})
    assert settings.sessions.cookie_name == "sid"
    assert Sessions(config=settings.sessions).config.max_age == 600
    toml.write_text('[schooner.sessions]\ncookie_nam = "sid"\n')
    with pytest.raises(ImproperlyConfigured, match="cookie_nam"):
        SiteSettings.load(toml_file=toml, env_file=None, environ={})


def test_a_bad_value_in_a_settings_block_is_refused(tmp_path: Path) -> None:
    """The block's own checks run when the settings are loaded."""
    toml = tmp_path / "schooner.toml"
    toml.write_text("[schooner.sessions]\nmax_age = 0\n")
    with pytest.raises(ImproperlyConfigured, match="max_age"):
        SiteSettings.load(toml_file=toml, env_file=None, environ={})


def test_from_env_reads_prefixed_variables() -> None:
    """SESSIONS_<FIELD> variables set the fields; an empty value unsets an optional one."""
    config = SessionsConfig.from_env(
        environ={
            "SESSIONS_COOKIE_NAME": "sid",
            "SESSIONS_MAX_AGE": "3600",
            "SESSIONS_SECURE": "true",
            "SESSIONS_DOMAIN": "",
            "SESSIONS_SECRET_KEYS": f"{KEY},{'o' * 40}",
        }
    )
    assert (config.cookie_name, config.max_age, config.secure, config.domain) == (
        "sid",
        3600,
        True,
        None,
    )
    assert config.secret_keys == [Secret(KEY), Secret("o" * 40)]


def test_from_env_names_the_bad_variable() -> None:
    """A value of the wrong type is an error naming the variable to fix."""
    with pytest.raises(ImproperlyConfigured, match="SESSIONS_MAX_AGE"):
        SessionsConfig.from_env(environ={"SESSIONS_MAX_AGE": "forever"})
