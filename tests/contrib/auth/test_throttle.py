"""Sign-in throttling: growing lockout, shared between instances through Redis."""

from __future__ import annotations

import uuid

import pytest

from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.ratelimit import RateLimit
from schooner.testing import AsyncTestClient

from .conftest import PASSWORD, AppFactory, make_user

WRONG = {"email": "ada@example.com", "password": "not the password"}
RIGHT = {"email": "ada@example.com", "password": PASSWORD}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_lockout_holds_across_two_instances_sharing_redis(
    make_auth_app: AppFactory, redis_url: str
) -> None:
    """Failures counted by one instance lock the account on the other: the counters live
    in Redis, keyed by the normalised e-mail."""
    prefix = f"test-auth-{uuid.uuid4().hex}"
    first = make_auth_app(RateLimit(redis_url, prefix=prefix), isolated=False)
    second = make_auth_app(RateLimit(redis_url, prefix=prefix), isolated=False)
    async with AsyncTestClient(first) as one, AsyncTestClient(second) as two:
        as_browser(one)
        as_browser(two)
        await make_user(first)
        for client in (one, two, one, two, one):
            assert (await client.post("/api/auth/login", json=WRONG)).status_code == 400
        locked = await two.post("/api/auth/login", json=RIGHT)
        assert locked.status_code == 429
        assert locked.json()["detail"] == "Too many failed sign-in attempts. Try again later."
        # The answer for an unknown account is the same once it is locked too.
        for _ in range(5):
            await one.post("/api/auth/login", json={**WRONG, "email": "ghost@example.com"})
        ghost = await two.post("/api/auth/login", json={**RIGHT, "email": "ghost@example.com"})
        assert ghost.status_code == 429
        assert ghost.json() == locked.json()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_success_resets_the_account_counter(make_auth_app: AppFactory) -> None:
    """A successful sign-in forgets the account's earlier failures."""
    app = make_auth_app(isolated=False)
    async with AsyncTestClient(app) as client:
        as_browser(client)
        await make_user(app)
        for _ in range(4):
            await client.post("/api/auth/login", json=WRONG)
        assert (await client.post("/api/auth/login", json=RIGHT)).status_code == 200
        for _ in range(4):
            assert (await client.post("/api/auth/login", json=WRONG)).status_code == 400
        assert (await client.post("/api/auth/login", json=RIGHT)).status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_address_limit_holds_across_accounts(make_auth_app: AppFactory) -> None:
    """One client trying many accounts is stopped by the per-address limit."""
    app = make_auth_app(isolated=False, address_limits="3/minute")
    async with AsyncTestClient(app) as client:
        as_browser(client)
        for n in range(3):
            wrong = {"email": f"user{n}@example.com", "password": "x" * 12}
            assert (await client.post("/api/auth/login", json=wrong)).status_code == 400
        refused = await client.post("/api/auth/login", json={**WRONG, "email": "new@example.com"})
        assert refused.status_code == 429
