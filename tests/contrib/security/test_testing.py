"""schooner.contrib.security.testing: a response's policy as directives."""

from __future__ import annotations

import httpx
import pytest

from schooner import App
from schooner.contrib.security import SecurityHeaders, security_headers
from schooner.contrib.security.testing import csp_of
from schooner.testing import TestClient


def test_csp_of_splits_the_policy_into_directives() -> None:
    """Each directive maps to its sources; a route's override shows in its response."""
    app = App(components=[SecurityHeaders()])

    @app.get(
        "/widget",
        meta=[security_headers(csp={"frame-ancestors": "https://partner.example"})],
    )
    async def widget() -> str:
        return "⚓"

    with TestClient(app) as client:
        policy = csp_of(client.get("/widget"))
    assert policy["frame-ancestors"] == "https://partner.example"
    assert policy["object-src"] == "'none'"


def test_report_only_policies_are_read_on_request() -> None:
    """report_only=True reads the report-only header; the enforcing one is then absent."""
    app = App(components=[SecurityHeaders(csp_report_only=True)])

    @app.get("/")
    async def index() -> str:
        return "home"

    with TestClient(app) as client:
        response = client.get("/")
    assert csp_of(response, report_only=True)["default-src"] == "'self'"
    with pytest.raises(LookupError, match="content-security-policy"):
        csp_of(response)


def test_the_first_of_a_repeated_directive_counts() -> None:
    """As in browsers, a repeated directive is ignored after its first occurrence."""
    header = "img-src 'self'; IMG-SRC *; upgrade-insecure-requests"
    response = httpx.Response(200, headers={"content-security-policy": header})
    assert csp_of(response) == {"img-src": "'self'", "upgrade-insecure-requests": ""}
