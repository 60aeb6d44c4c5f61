"""CSRFConfig and CSRFCheckFailed: validated options, and refusals an app can answer its own way."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from schooner import App, Request, Response, Settings
from schooner.contrib.csrf import CSRF, CSRFCheckFailed, CSRFConfig
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.sessions import Session, Sessions
from schooner.exceptions import HTTPException, ImproperlyConfigured, SchoonerError
from schooner.testing import TestClient

KEY = "k" * 40


def form_app(csrf: CSRF) -> App:
    """An app with a cookie route (it reads the session) that posts a form."""
    app = App(components=[Sessions(secret_keys=[KEY]), csrf])

    @app.post("/vote")
    async def vote(session: Session) -> str:
        return "counted"

    return app


def test_keywords_and_config_agree() -> None:
    """CSRF(field_name=...) and CSRF(config=CSRFConfig(field_name=...)) are the same."""
    assert CSRF(field_name="token").config == CSRF(config=CSRFConfig(field_name="token")).config


def test_a_renamed_field_is_where_the_token_is_looked_for() -> None:
    """The configured form field carries the token; the default name no longer does."""
    app = form_app(CSRF(field_name="xsrf"))
    with TestClient(app) as client:
        refused = client.post("/vote", data={"csrf_token": "x"})
        assert refused.status_code == 403
        assert "'xsrf' form field" in refused.json()["detail"]


def test_trusted_origins_come_from_the_config_and_the_settings() -> None:
    """Both the config's and settings.trusted_origins' origins may post cross-site."""
    settings = Settings(trusted_origins=["https://admin.example.net"])
    app = App(
        settings=settings,
        components=[
            Sessions(secret_keys=[KEY]),
            CSRF(config=CSRFConfig(trusted_origins=["https://*.example.org"])),
        ],
    )

    @app.post("/vote")
    async def vote(session: Session) -> str:
        return "counted"

    with TestClient(app) as client:
        for origin, status in [
            ("https://shop.example.org", 200),
            ("https://admin.example.net", 200),
            ("https://evil.example", 403),
        ]:
            as_browser(client, site="cross-site", origin=origin)
            assert client.post("/vote").status_code == status, origin


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"field_name": 'x" onfocus="alert(1)'}, "not a usable form field name"),
        ({"header_name": "X CSRF"}, "not a header name"),
        ({"trusted_origins": ["example.com"]}, "scheme://host"),
        ({"trusted_origins": ["https://example.com/app"]}, "without a path"),
        ({"exempt_paths": ["hooks/*"]}, "must start with '/'"),
        ({"secret": "x"}, "has no option secret"),
    ],
)
def test_bad_options_say_how_to_fix_them(options: dict[str, Any], message: str) -> None:
    """Each invalid option is an ImproperlyConfigured that names it and the fix."""
    with pytest.raises(ImproperlyConfigured, match=message):
        CSRF(**options)


def test_from_env_reads_lists() -> None:
    """CSRF_TRUSTED_ORIGINS is a comma-separated list."""
    config = CSRFConfig.from_env(
        environ={"CSRF_TRUSTED_ORIGINS": "https://a.example, https://*.b.example"}
    )
    assert config.trusted_origins == ["https://a.example", "https://*.b.example"]


def test_a_settings_block_configures_csrf() -> None:
    """A CSRFConfig field of the project's settings is loaded like any setting."""

    class SiteSettings(Settings, frozen=True):
        csrf: CSRFConfig = msgspec.field(default_factory=CSRFConfig)

    settings = SiteSettings.load(
        env_file=None, toml_file=None, environ={}, csrf={"exempt_paths": ["/hooks/*"]}
    )
    assert CSRF(config=settings.csrf).config.exempt_paths == ["/hooks/*"]


def test_the_refusal_is_an_http_exception_of_the_batteries_own_type() -> None:
    """CSRFCheckFailed is a 403 HTTPException, under SchoonerError."""
    error = CSRFCheckFailed("The CSRF token is missing.")
    assert isinstance(error, HTTPException)
    assert isinstance(error, SchoonerError)
    assert error.status_code == 403
    assert error.to_problem()["title"] == "CSRF check failed"


def test_an_app_can_answer_refusals_its_own_way() -> None:
    """A handler registered for CSRFCheckFailed answers every CSRF refusal."""
    app = form_app(CSRF())

    @app.exception_handler(CSRFCheckFailed)
    async def reload_page(request: Request, exc: CSRFCheckFailed) -> Response:
        return Response(f"Please reload the form. ({exc.detail})", 403, media_type="text/plain")

    with TestClient(app) as client:
        response = client.post("/vote", headers={"origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.text.startswith("Please reload the form. (The request comes from another")
