"""The battery's test helpers: create_user, force_login, logout, fast_hasher."""

from __future__ import annotations

import pytest

from schooner import App
from schooner.contrib.auth import Auth
from schooner.contrib.auth.testing import create_user, fast_hasher, force_login, logout
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient, TestClient


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_force_login_signs_in_and_logout_out(app: App, async_client: AsyncTestClient) -> None:
    """force_login gives the client a real signed-in session; logout takes it away."""
    user = await create_user(app, "grace@example.com", username="grace")
    assert (await async_client.get("/api/auth/me")).status_code == 401
    force_login(async_client, user)
    me = await async_client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "grace"
    logout(async_client)
    assert (await async_client.get("/api/auth/me")).status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_created_users_can_sign_in(app: App, async_client: AsyncTestClient) -> None:
    """create_user with a password makes an account the sign-in flow accepts."""
    await create_user(app, "ada@example.com", password="a very long passphrase")
    response = await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "a very long passphrase"}
    )
    assert response.status_code == 200


def test_helpers_need_the_component() -> None:
    """On an app without Auth, force_login says what is missing."""
    with pytest.raises(ImproperlyConfigured, match="Auth"):
        force_login(TestClient(App()), object())  # type: ignore[arg-type]


async def test_fast_hasher_round_trips() -> None:
    """The fast hasher hashes and verifies like the real one, with tiny parameters."""
    hasher = fast_hasher()
    encoded = await hasher.hash("secret words here")
    assert "m=1024,t=1,p=1" in encoded
    assert (await hasher.verify("secret words here", encoded)).valid
    assert isinstance(Auth(hasher=hasher).hasher, type(hasher))
