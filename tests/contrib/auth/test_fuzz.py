"""Fuzzing the account JSON API through the whole ASGI stack: never a 5xx.

hypothesis sends arbitrary JSON (and arbitrary bytes) to every endpoint, signed in and not;
every answer must be below 500, and every 4xx a problem document.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schooner import App
from schooner.contrib.csrf.testing import as_browser
from schooner.testing import TestClient

from .conftest import PASSWORD, AppFactory

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ENDPOINTS = [
    "/api/auth/login",
    "/api/auth/register",
    "/api/auth/verify-email",
    "/api/auth/verify-email/resend",
    "/api/auth/password-reset",
    "/api/auth/password-reset/confirm",
    "/api/auth/password",
    "/api/auth/email",
    "/api/auth/email/confirm",
    "/api/auth/sign-out-everywhere",
    "/api/auth/delete",
    "/api/auth/logout",
]
text = st.text(max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "email": st.one_of(text, st.emails(), st.just("ada@example.com")),
            "password": st.one_of(text, st.just(PASSWORD)),
            "token": text,
            "username": text,
            "current_password": text,
            "new_password": text,
        },
    ),
)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_body_gives_a_server_error(make_auth_app: AppFactory) -> None:
    """Any JSON body on any account endpoint answers below 500 (signed in or not)."""
    app: App = make_auth_app(account_limits="100000/minute", address_limits="100000/minute")
    with TestClient(app) as client:
        as_browser(client)
        body = {"email": "ada@example.com", "password": PASSWORD}
        assert client.post("/api/auth/register", json=body).status_code == 202

        @FUZZ
        @given(endpoint=st.sampled_from(ENDPOINTS), body=bodies, raw=st.booleans())
        def check(endpoint: str, body: Any, raw: bool) -> None:
            content = json.dumps(body).encode()
            content = content[:-1] if raw else content  # raw: truncated JSON
            response = client.post(
                endpoint, content=content, headers={"content-type": "application/json"}
            )
            assert response.status_code < 500, (endpoint, body, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json"

        check()
