"""SecurityHeadersConfig: header values checked when configured, app-wide and per route."""

from __future__ import annotations

from typing import Any

import pytest

from schooner import App, Settings
from schooner.contrib.security import SecurityHeaders, SecurityHeadersConfig, security_headers
from schooner.contrib.security.testing import csp_of
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

PRODUCTION = Settings(environment="production", secret_key="s" * 40, allowed_hosts=["testserver"])


def page_app(component: SecurityHeaders, settings: Settings | None = None) -> App:
    """An app with one page."""
    app = App(components=[component], settings=settings)

    @app.get("/")
    async def index() -> str:
        return "home"

    return app


def test_keywords_and_config_agree() -> None:
    """SecurityHeaders(frame_options=...) equals the config form."""
    by_keyword = SecurityHeaders(frame_options="SAMEORIGIN", csp={"img-src": "'self' data:"})
    by_config = SecurityHeaders(
        config=SecurityHeadersConfig(frame_options="SAMEORIGIN", csp={"img-src": "'self' data:"})
    )
    assert by_keyword.config == by_config.config


def test_a_config_sets_the_headers_sent() -> None:
    """Directives from the config join the defaults; a header set to None is not sent."""
    config = SecurityHeadersConfig(csp={"img-src": "'self' data:"}, referrer_policy=None)
    with TestClient(page_app(SecurityHeaders(config=config))) as client:
        response = client.get("/")
    policy = csp_of(response)
    assert policy["img-src"] == "'self' data:"
    assert policy["default-src"] == "'self'"
    assert "referrer-policy" not in response.headers


def test_hsts_auto_follows_the_environment() -> None:
    """hsts="auto" sends HSTS in production only; an explicit value is sent anywhere."""
    https = {"base_url": "https://testserver"}
    with TestClient(page_app(SecurityHeaders()), **https) as client:
        assert "strict-transport-security" not in client.get("/").headers
    with TestClient(page_app(SecurityHeaders(), PRODUCTION), **https) as client:
        hsts = client.get("/").headers["strict-transport-security"]
        assert hsts == "max-age=31536000; includeSubDomains"
    with TestClient(page_app(SecurityHeaders(hsts="max-age=60; preload")), **https) as client:
        assert client.get("/").headers["strict-transport-security"] == "max-age=60; preload"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"frame_options": "ALLOW-FROM https://x.example"}, "'DENY' or 'SAMEORIGIN'"),
        ({"referrer_policy": "never"}, "referrer_policy is one of"),
        ({"content_type_options": "sniff"}, "'nosniff'"),
        ({"cross_origin_opener_policy": "open"}, "cross_origin_opener_policy is one of"),
        ({"hsts": "1 year"}, "max-age=31536000"),
        ({"csp": {"Img Src": "'self'"}}, "not a CSP directive name"),
        ({"csp": {"img-src": "'self'; script-src *"}}, "separated by spaces"),
        ({"csp": "default-src 'self'"}, "mapping of directives"),
        ({"hst": "max-age=1"}, "has no option hst"),
    ],
)
def test_bad_values_say_what_browsers_accept(options: dict[str, Any], message: str) -> None:
    """A value browsers would ignore fails at startup with the accepted ones."""
    with pytest.raises(ImproperlyConfigured, match=message):
        SecurityHeaders(**options)


def test_per_route_values_are_checked_too() -> None:
    """security_headers() refuses the same bad values when the route is declared."""
    with pytest.raises(ImproperlyConfigured, match=r"security_headers\(\): frame_options"):
        security_headers(frame_options="ALLOWALL")
    assert security_headers(frame_options="SAMEORIGIN", referrer_policy=None).changes == {
        "frame_options": "SAMEORIGIN",
        "referrer_policy": None,
    }


def test_from_env_reads_json_directives_and_plain_values() -> None:
    """SECURITY_CSP is JSON; SECURITY_FRAME_OPTIONS plain text; empty turns a header off."""
    config = SecurityHeadersConfig.from_env(
        environ={
            "SECURITY_CSP": '{"img-src": "\'self\' data:"}',
            "SECURITY_FRAME_OPTIONS": "SAMEORIGIN",
            "SECURITY_REFERRER_POLICY": "",
        }
    )
    assert config.csp == {"img-src": "'self' data:"}
    assert config.frame_options == "SAMEORIGIN"
    assert config.referrer_policy is None
