"""The account flows through the JSON API, on every backend."""

from __future__ import annotations

import asyncio
import contextlib
import re

import pytest
from sqlalchemy import select

from schooner import App
from schooner.contrib.auth import Auth, AuthEvent, User
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.mail.testing import outbox
from schooner.testing import AsyncTestClient

from .conftest import PASSWORD, AppFactory, make_user

NEW_PASSWORD = "a brand new passphrase 42"


async def sent_link(app: App, path: str) -> str:
    """The token of the last mailed link to ``path`` (after queued mail has gone out)."""
    auth = app.component(Auth)
    assert auth is not None
    await auth.drain_mail()
    message = outbox(app)[-1]
    found = re.search(rf"https://shop\.example/accounts{path}/(\S+)", message.text or "")
    assert found is not None, message.text
    return found.group(1)


async def events(app: App) -> list[str]:
    """The kinds of the audit events, oldest first."""
    auth = app.component(Auth)
    assert auth is not None
    await auth.drain_mail()  # failures are stored beside their requests
    async with auth.database.transaction() as session:
        return list((await session.scalars(select(AuthEvent.kind).order_by(AuthEvent.id))).all())


async def test_register_verify_login_me_logout(app: App, async_client: AsyncTestClient) -> None:
    """Sign-up mails a link; verifying it allows sign-in; /me answers; logout ends it."""
    response = await async_client.post(
        "/api/auth/register", json={"email": "Grace@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 202
    token = await sent_link(app, "/verify-email")
    assert outbox(app)[-1].to == ("Grace@Example.com",)

    refused = await async_client.post(
        "/api/auth/login", json={"email": "grace@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "email_not_verified"

    assert (
        await async_client.post("/api/auth/verify-email", json={"token": token})
    ).status_code == 200
    again = await async_client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400, "a verification link works once"

    login = await async_client.post(
        "/api/auth/login", json={"email": " GRACE@example.com ", "password": PASSWORD}
    )
    assert login.status_code == 200
    assert login.json()["user"]["email"] == "Grace@Example.com"
    me = await async_client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["email_verified"] is True

    assert (await async_client.post("/api/auth/logout")).status_code == 204
    after = await async_client.get("/api/auth/me")
    assert after.status_code == 401
    assert after.headers["www-authenticate"].startswith("Bearer")
    assert await events(app) == [
        "registered",
        "email_verified",
        "login",
        "logout",
    ]


async def test_wrong_password_and_unknown_email_answer_alike(
    app: App, async_client: AsyncTestClient
) -> None:
    """A wrong password and an unknown address get the same status and body."""
    await make_user(app)
    wrong = await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "nope nope nope"}
    )
    unknown = await async_client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "nope nope nope"}
    )
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


async def test_registration_does_not_reveal_existing_accounts(
    app: App, async_client: AsyncTestClient
) -> None:
    """Signing up with a taken address answers like a new one; its owner is told by mail."""
    await make_user(app)
    taken = await async_client.post(
        "/api/auth/register", json={"email": "ada@example.com", "password": NEW_PASSWORD}
    )
    new = await async_client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": NEW_PASSWORD}
    )
    assert taken.status_code == new.status_code == 202
    assert taken.json() == new.json()
    auth = app.component(Auth)
    assert auth is not None
    await auth.drain_mail()
    subjects = {m.to[0]: m.subject for m in outbox(app)}
    assert subjects["ada@example.com"] == "Someone tried to sign up with your address"
    assert subjects["new@example.com"] == "Confirm your e-mail address"


async def test_password_reset_is_single_use_and_ends_sessions(
    app: App, async_client: AsyncTestClient
) -> None:
    """A reset link sets a password once; old sessions end; unknown addresses answer alike."""
    await make_user(app)
    await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert (await async_client.get("/api/auth/me")).status_code == 200

    known = await async_client.post("/api/auth/password-reset", json={"email": "ada@example.com"})
    unknown = await async_client.post("/api/auth/password-reset", json={"email": "x@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    token = await sent_link(app, "/password-reset")
    assert len(outbox(app)) == 1

    weak = await async_client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "123456"}
    )
    assert weak.status_code == 422
    done = await async_client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 200
    reused = await async_client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD + "x"}
    )
    assert reused.status_code == 400
    assert (await async_client.get("/api/auth/me")).status_code == 401, "the old session ended"
    login = await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200


async def test_session_id_changes_at_login(app: App, async_client: AsyncTestClient) -> None:
    """Signing in replaces the session cookie's value (no session fixation)."""
    await make_user(app)
    await async_client.post("/api/auth/password-reset", json={"email": "zz@example.com"})
    before = async_client.cookies.get("session")
    await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    after = async_client.cookies.get("session")
    assert after is not None
    assert after != before


async def test_change_password_keeps_this_session(app: App, async_client: AsyncTestClient) -> None:
    """Changing the password needs the current one and keeps the caller signed in."""
    await make_user(app)
    await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    wrong = await async_client.post(
        "/api/auth/password",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    ok = await async_client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 200
    assert (await async_client.get("/api/auth/me")).status_code == 200


async def test_email_change_goes_through_the_new_address(
    app: App, async_client: AsyncTestClient
) -> None:
    """The new address gets the link; following it switches the account's address."""
    await make_user(app)
    await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    asked = await async_client.post(
        "/api/auth/email", json={"email": "ada@new.example", "password": PASSWORD}
    )
    assert asked.status_code == 202
    token = await sent_link(app, "/email-change")
    assert outbox(app)[-1].to == ("ada@new.example",)
    confirmed = await async_client.post("/api/auth/email/confirm", json={"token": token})
    assert confirmed.status_code == 200
    me = await async_client.get("/api/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == "ada@new.example"
    assert (
        await async_client.post("/api/auth/email/confirm", json={"token": token})
    ).status_code == 400


async def test_delete_account(app: App, async_client: AsyncTestClient) -> None:
    """Deleting needs the password, removes the user and signs out."""
    await make_user(app)
    await async_client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    wrong = await async_client.post("/api/auth/delete", json={"password": "wrong wrong"})
    assert wrong.status_code == 400
    assert (
        await async_client.post("/api/auth/delete", json={"password": PASSWORD})
    ).status_code == 204
    assert (await async_client.get("/api/auth/me")).status_code == 401
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        assert (await session.scalars(select(User))).all() == []


async def test_login_is_throttled_per_account(make_auth_app: AppFactory) -> None:
    """After five failures the account is locked (429 with Retry-After), even for the right
    password, and the failures and the lockout are recorded (they outlive the failed
    requests' transactions)."""
    app = make_auth_app(isolated=False)
    async with AsyncTestClient(app) as client:
        as_browser(client)
        await make_user(app)
        await _lock_out(client)
        locked = await client.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 0
        assert await events(app) == ["login_failed"] * 4 + ["lockout"]


async def _lock_out(client: AsyncTestClient) -> None:
    for _ in range(5):
        response = await client.post(
            "/api/auth/login", json={"email": "ADA@example.com", "password": "wrong password"}
        )
        assert response.status_code == 400


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_expired_links_are_refused(make_auth_app: AppFactory) -> None:
    """Reset and verification links stop working after their max age."""
    app = make_auth_app(reset_max_age=1, verification_max_age=1)
    async with AsyncTestClient(app) as client:
        as_browser(client)
        await make_user(app)
        await client.post("/api/auth/password-reset", json={"email": "ada@example.com"})
        reset = await sent_link(app, "/password-reset")
        await client.post(
            "/api/auth/register", json={"email": "new@example.com", "password": NEW_PASSWORD}
        )
        verify = await sent_link(app, "/verify-email")
        await asyncio.sleep(2.1)
        expired = await client.post(
            "/api/auth/password-reset/confirm", json={"token": reset, "password": NEW_PASSWORD}
        )
        assert expired.status_code == 400
        assert "expired" in expired.json()["detail"]
        late = await client.post("/api/auth/verify-email", json={"token": verify})
        assert late.status_code == 400


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("email", ["", "not an address", "Ada <ada@example.com>"])
async def test_a_bad_address_is_a_validation_error(
    async_client: AsyncTestClient, email: str
) -> None:
    """Registration with something that is not an address answers 422 with the field."""
    response = await async_client.post(
        "/api/auth/register", json={"email": email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "email"]


async def test_concurrent_sign_ins_to_one_account(make_auth_app: AppFactory) -> None:
    """Four browsers signing in to one account at once all succeed (each reads the
    account, then stores its last sign-in) on every backend: SQLite queues the writers,
    InnoDB does not deadlock on the row."""
    app = make_auth_app(isolated=False)
    await make_user(app)
    clients = [AsyncTestClient(app, raise_server_exceptions=False) for _ in range(4)]
    async with contextlib.AsyncExitStack() as stack:
        for client in clients:
            as_browser(await stack.enter_async_context(client))
        answers = await asyncio.gather(
            *(
                client.post(
                    "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
                )
                for client in clients
            )
        )
    assert [a.status_code for a in answers] == [200] * 4
