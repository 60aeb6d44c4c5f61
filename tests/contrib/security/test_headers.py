"""The security headers battery: defaults, production HSTS, per-route changes, CSP nonces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest

from schooner import App, Inject, Response, Settings
from schooner.contrib.security import SecurityHeaders, csp_nonce, security_headers
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

PRODUCTION = Settings(environment="production", secret_key="s" * 40, allowed_hosts=["testserver"])


def headers_app(component: SecurityHeaders | None = None, **options: object) -> App:
    app = App(components=[component or SecurityHeaders()], **options)  # type: ignore[arg-type]

    @app.get("/")
    async def index() -> str:
        return "home"

    @app.get(
        "/embed",
        meta=[
            security_headers(frame_options=None, csp={"frame-ancestors": "https://partner.example"})
        ],
    )
    async def embed() -> str:
        return "embeddable"

    @app.get("/own")
    async def own() -> Response:
        return Response("mine", headers={"referrer-policy": "no-referrer"})

    @app.get("/nonce")
    async def nonce(value: Annotated[str, Inject(csp_nonce)]) -> str:
        return value

    return app


def test_strong_defaults() -> None:
    """Every response gets the default set; no HSTS outside production."""
    with TestClient(headers_app()) as client:
        headers = client.get("/").headers
        missing = client.get("/nope").headers
    assert headers["content-security-policy"] == (
        "default-src 'self'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'; object-src 'none'"
    )
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "strict-transport-security" not in headers
    assert missing["x-content-type-options"] == "nosniff"  # error responses too


def test_hsts_in_production_over_https_only() -> None:
    """Production sends HSTS on HTTPS responses; browsers ignore it over HTTP anyway."""
    app = headers_app(settings=PRODUCTION)
    with TestClient(app, base_url="https://testserver") as client:
        hsts = client.get("/").headers["strict-transport-security"]
    assert hsts == "max-age=31536000; includeSubDomains"
    with TestClient(headers_app(settings=PRODUCTION)) as client:
        assert "strict-transport-security" not in client.get("/").headers


def test_per_route_changes() -> None:
    """@security_headers drops or changes headers for one route only."""
    with TestClient(headers_app()) as client:
        embed = client.get("/embed").headers
        index = client.get("/").headers
    assert "x-frame-options" not in embed
    assert "frame-ancestors https://partner.example" in embed["content-security-policy"]
    assert "object-src 'none'" in embed["content-security-policy"]
    assert index["x-frame-options"] == "DENY"


def test_response_values_win() -> None:
    """A header the handler set is not replaced."""
    with TestClient(headers_app()) as client:
        assert client.get("/own").headers["referrer-policy"] == "no-referrer"


def test_app_options() -> None:
    """Directives can be changed or removed app-wide; any header can be turned off."""
    component = SecurityHeaders(
        csp={"img-src": "'self' data:", "form-action": None},
        frame_options=None,
        hsts="max-age=60",
        csp_report_only=True,
    )
    with TestClient(headers_app(component), base_url="https://testserver") as client:
        headers = client.get("/").headers
    policy = headers["content-security-policy-report-only"]
    assert "img-src 'self' data:" in policy
    assert "form-action" not in policy
    assert "x-frame-options" not in headers
    assert headers["strict-transport-security"] == "max-age=60"
    with TestClient(headers_app(SecurityHeaders(csp=None))) as client:
        assert "content-security-policy" not in client.get("/").headers


def test_nonce_is_added_only_when_used(tmp_path: Path) -> None:
    """A nonce used by the response appears in script-src and style-src; it changes each time."""
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "page.html").write_text('<script nonce="{{ csp_nonce() }}">go()</script>')
    app = App(components=[SecurityHeaders(), Templates(folder)])

    @app.get("/page")
    async def page() -> TemplateResponse:
        return TemplateResponse("page.html")

    @app.get("/plain")
    async def plain() -> str:
        return "x"

    with TestClient(app) as client:
        first = client.get("/page")
        second = client.get("/page")
        plain_policy = client.get("/plain").headers["content-security-policy"]
    nonce = first.text.split('nonce="')[1].split('"')[0]
    policy = first.headers["content-security-policy"]
    assert f"script-src 'self' 'nonce-{nonce}'" in policy
    assert f"style-src 'self' 'nonce-{nonce}'" in policy
    assert nonce not in second.headers["content-security-policy"]
    assert "nonce" not in plain_policy


def test_nonce_as_a_dependency() -> None:
    """Handlers can ask for the nonce; the response's policy carries it."""
    with TestClient(headers_app()) as client:
        response = client.get("/nonce")
    assert f"'nonce-{response.text}'" in response.headers["content-security-policy"]


def test_unknown_options_are_errors() -> None:
    """Typos fail at startup, naming the valid options."""
    with pytest.raises(ImproperlyConfigured, match="no option"):
        security_headers(frame_option=None)
    with pytest.raises(ImproperlyConfigured, match="no option"):
        SecurityHeaders(hst="x")


def test_docs_ui_allows_its_icons_and_nothing_else() -> None:
    """The /docs page allows data: images (Swagger UI's icons); other pages do not."""
    with TestClient(headers_app()) as client:
        docs = client.get("/docs").headers["content-security-policy"]
        index = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data:" in docs
    assert "img-src" not in index
