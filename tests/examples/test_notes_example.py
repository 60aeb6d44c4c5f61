"""examples/notes through the ASGI stack on SQLite: accounts over the JSON API, JWTs,
personal API tokens with scopes, and notes only their owner sees."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio

from schooner.contrib.auth import Auth
from schooner.contrib.mail.testing import outbox, use_memory_backend
from schooner.testing import AsyncTestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery staple"
# The token the example's mail templates print on a line of its own (a signed link token).
MAILED_TOKEN = re.compile(r"^([\w-]+\.[\w-]+\.[\w-]+)$", re.M)


@pytest.fixture
def notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """examples/notes/app.py on a fresh SQLite database, imported as a package, keeping its
    mail in memory (the model stays imported: one class per table name)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'notes.db'}")
    monkeypatch.setenv("SCHOONER_SECRET_KEY", "n" * 40)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    sys.modules.pop("notes.app", None)
    module = importlib.import_module("notes.app")
    use_memory_backend(module.app)
    return module


@pytest_asyncio.fixture
async def client(notes: ModuleType) -> AsyncIterator[AsyncTestClient]:
    """A script calling the API (started, with its tables created)."""
    async with AsyncTestClient(notes.app) as script:
        yield script


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


async def mailed_token(notes: ModuleType, email: str, subject: str) -> str:
    """The token in the last mail to ``email`` whose subject has ``subject``."""
    auth = notes.app.component(Auth)
    await auth.drain_mail()  # account mail goes out after the response
    mail = [m for m in outbox(notes.app) if m.to == (email,) and subject in m.subject][-1]
    found = MAILED_TOKEN.search(mail.text or "")
    assert found is not None, mail.text
    return found.group(1)


async def sign_up(client: AsyncTestClient, notes: ModuleType, email: str) -> None:
    """Register over the API and verify the address with the mailed token."""
    body = {"email": email, "password": PASSWORD}
    assert (await client.post("/api/auth/register", json=body)).status_code == 202
    token = await mailed_token(notes, email, "Confirm")
    verified = await client.post("/api/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text


async def tokens_for(client: AsyncTestClient, email: str, **extra: str) -> dict[str, Any]:
    """A JWT pair for ``email`` from ``/api/auth/token``."""
    response = await client.post(
        "/api/auth/token", json={"email": email, "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


async def account(client: AsyncTestClient, notes: ModuleType, email: str) -> dict[str, str]:
    """A verified account's ``Authorization`` header (a JWT access token)."""
    await sign_up(client, notes, email)
    return bearer((await tokens_for(client, email))["access_token"])


async def test_register_verify_and_get_tokens(client: AsyncTestClient, notes: ModuleType) -> None:
    """The mailed token verifies the address; before that no tokens; then a JWT pair that
    the API accepts and no cache may store."""
    body = {"email": "ada@example.com", "password": PASSWORD}
    assert (await client.post("/api/auth/register", json=body)).status_code == 202
    early = await client.post("/api/auth/token", json=body)
    assert early.status_code == 403
    assert early.json()["code"] == "email_not_verified"
    token = await mailed_token(notes, "ada@example.com", "Confirm")
    mail = outbox(notes.app)[-1]
    assert "/api/auth/verify-email" in (mail.text or "")  # the example's own template
    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 200
    again = await client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400  # single use
    response = await client.post("/api/auth/token", json=body)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    pair = response.json()
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] > 0
    me = await client.get("/api/auth/me", headers=bearer(pair["access_token"]))
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["email_verified"] is True


async def test_crud_with_a_bearer_token(client: AsyncTestClient, notes: ModuleType) -> None:
    """Create, list, read, change and delete a note; bad input is a 422."""
    ada = await account(client, notes, "ada@example.com")
    created = await client.post(
        "/api/notes", json={"title": "Knots", "body": "Bowline, reef."}, headers=ada
    )
    assert created.status_code == 201
    note = created.json()
    assert note["title"] == "Knots"
    me = (await client.get("/api/auth/me", headers=ada)).json()
    assert note["owner_id"] == me["id"]
    await client.post("/api/notes", json={"title": "Tides"}, headers=ada)
    listing = (await client.get("/api/notes?limit=1", headers=ada)).json()
    assert listing["total"] == 2
    assert [n["title"] for n in listing["items"]] == ["Tides"]
    path = f"/api/notes/{note['id']}"
    assert (await client.get(path, headers=ada)).json()["body"] == "Bowline, reef."
    changed = await client.patch(path, json={"body": "Bowline, reef, hitch."}, headers=ada)
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["body"]) == ("Knots", "Bowline, reef, hitch.")
    bad = await client.post("/api/notes", json={"body": "no title"}, headers=ada)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "title"]
    assert (await client.delete(path, headers=ada)).status_code == 204
    assert (await client.get(path, headers=ada)).status_code == 404


async def test_notes_of_others_are_404_like_missing_ones(
    client: AsyncTestClient, notes: ModuleType
) -> None:
    """Another account cannot read, change, delete or list a note: the answers are those for
    a note that does not exist."""
    ada = await account(client, notes, "ada@example.com")
    bo = await account(client, notes, "bo@example.com")
    note = (await client.post("/api/notes", json={"title": "Private"}, headers=ada)).json()
    mine, missing = f"/api/notes/{note['id']}", "/api/notes/999"
    for method, extra in (("GET", {}), ("PATCH", {"json": {"title": "Taken"}}), ("DELETE", {})):
        theirs = await client.request(method, mine, headers=bo, **extra)
        absent = await client.request(method, missing, headers=bo, **extra)
        assert theirs.status_code == absent.status_code == 404
        assert theirs.json()["detail"].replace(str(note["id"]), "N") == absent.json()[
            "detail"
        ].replace("999", "N")
    assert (await client.get("/api/notes", headers=bo)).json()["total"] == 0
    assert (await client.get(mine, headers=ada)).json()["title"] == "Private"


async def test_no_token_or_a_bad_one_is_401(client: AsyncTestClient, notes: ModuleType) -> None:
    """Without credentials, or with a forged token, the notes answer 401 with a Bearer
    challenge."""
    await account(client, notes, "ada@example.com")
    response = await client.get("/api/notes")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    forged = await client.get("/api/notes", headers=bearer("eyJhbGciOiJub25lIn0.e30."))
    assert forged.status_code == 401
    assert 'error="invalid_token"' in forged.headers["www-authenticate"]


async def test_refresh_rotates_and_a_reused_refresh_token_is_refused(
    client: AsyncTestClient, notes: ModuleType
) -> None:
    """A refresh token gives a new working pair once; presented again it is refused and the
    whole sign-in ends."""
    await sign_up(client, notes, "ada@example.com")
    first = await tokens_for(client, "ada@example.com")
    refreshed = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["refresh_token"] != first["refresh_token"]
    headers = bearer(second["access_token"])
    assert (
        await client.post("/api/notes", json={"title": "New"}, headers=headers)
    ).status_code == 201
    reused = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 401
    after = await client.post(
        "/api/auth/token/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401  # the family is revoked: the leak is contained


async def test_a_read_only_api_token_cannot_write_and_revoked_stops(
    client: AsyncTestClient, notes: ModuleType
) -> None:
    """A personal API token with notes:read lists notes, gets 403 insufficient_scope on a
    write, and stops working once revoked."""
    ada = await account(client, notes, "ada@example.com")
    await client.post("/api/notes", json={"title": "Knots"}, headers=ada)
    made = await client.post(
        "/api/auth/tokens", json={"name": "reader", "scopes": ["notes:read"]}, headers=ada
    )
    assert made.status_code == 201
    info = made.json()
    assert info["token"].startswith("sch_")
    assert info["scopes"] == ["notes:read"]
    reader = bearer(info["token"])
    assert (await client.get("/api/notes", headers=reader)).json()["total"] == 1
    refused = await client.post("/api/notes", json={"title": "Nope"}, headers=reader)
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    assert 'scope="notes:write"' in refused.headers["www-authenticate"]
    listed = (await client.get("/api/auth/tokens", headers=ada)).json()
    assert [t["name"] for t in listed] == ["reader"]
    assert "token" not in listed[0]  # the secret is shown once, when made
    assert (await client.delete(f"/api/auth/tokens/{info['id']}", headers=ada)).status_code == 204
    assert (await client.get("/api/notes", headers=reader)).status_code == 401
    assert (await client.get("/api/notes", headers=ada)).json()["total"] == 1


async def test_a_scoped_jwt_is_held_to_its_scope(
    client: AsyncTestClient, notes: ModuleType
) -> None:
    """A JWT asked for with scope notes:read reads but cannot write."""
    await sign_up(client, notes, "ada@example.com")
    pair = await tokens_for(client, "ada@example.com", scope="notes:read")
    headers = bearer(pair["access_token"])
    assert (await client.get("/api/notes", headers=headers)).status_code == 200
    assert (
        await client.post("/api/notes", json={"title": "x"}, headers=headers)
    ).status_code == 403


async def test_the_openapi_document_shows_the_scopes(client: AsyncTestClient) -> None:
    """The notes operations are documented with the token scheme and their scopes, and the
    account pages are not served (the API has none)."""
    document = (await client.get("/openapi.json")).json()
    assert document["info"]["title"] == "Notes"
    add = document["paths"]["/api/notes"]["post"]
    assert {"token": ["notes:write"]} in add["security"]
    assert {"401", "403", "422"} <= set(add["responses"])
    read = document["paths"]["/api/notes/{note_id}"]["get"]
    assert {"token": ["notes:read"]} in read["security"]
    assert "404" in read["responses"]
    assert (await client.get("/accounts/login")).status_code == 404
