"""Passkeys (WebAuthn) through the test client, answered by a software authenticator with
real keys, on every backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import cbor2
import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from schooner import App, Settings
from schooner.contrib.auth import (
    Auth,
    AuthConfig,
    AuthEvent,
    Passkeys,
    WebAuthnCredential,
)
from schooner.contrib.csrf import CSRF
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.di import Query
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .authenticator import SoftAuthenticator, b64url
from .conftest import PASSWORD, AppFactory, make_user

REGISTER_OPTIONS = "/api/auth/passkeys/register/options"
LOGIN_OPTIONS = "/api/auth/passkeys/login/options"


async def sign_in(client: AsyncTestClient, email: str = "ada@example.com") -> dict[str, Any]:
    """The password step; its JSON answer."""
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def add_passkey(
    client: AsyncTestClient, device: SoftAuthenticator, name: str = "Laptop"
) -> dict[str, Any]:
    """Register a passkey for the signed-in user; the JSON answer."""
    options = (await client.post(REGISTER_OPTIONS)).json()
    answer = await client.post(
        "/api/auth/passkeys/register", json={"credential": device.create(options), "name": name}
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def passkey_sign_in(
    client: AsyncTestClient, device: SoftAuthenticator, **overrides: Any
) -> httpx.Response:
    """Ask for sign-in options and answer them with ``device``; the response."""
    options = (await client.post(LOGIN_OPTIONS)).json()
    credential = device.get(options, **overrides)
    return await client.post("/api/auth/passkeys/login", json={"credential": credential})


async def events(app: App, kind: str) -> list[AuthEvent]:
    """The audit events of one kind, oldest first."""
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        rows = await session.scalars(
            select(AuthEvent).where(AuthEvent.kind == kind).order_by(AuthEvent.id)
        )
        return list(rows.all())


async def test_register_then_sign_in_without_the_password(
    app: App, async_client: AsyncTestClient
) -> None:
    """A passkey made while signed in later signs in on its own, with a fresh session."""
    user = await make_user(app)
    device = SoftAuthenticator()
    await sign_in(async_client)
    options = (await async_client.post(REGISTER_OPTIONS)).json()
    assert options["rp"] == {"id": "testserver", "name": "testserver"}
    assert options["user"]["name"] == "ada@example.com"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["attestation"] == "none"
    assert options["excludeCredentials"] == []
    answer = await async_client.post(
        "/api/auth/passkeys/register",
        json={"credential": device.create(options), "name": "  Phone  "},
    )
    assert answer.status_code == 201
    added = answer.json()
    assert added["passkey"]["name"] == "Phone"
    assert added["passkey"]["transports"] == ["internal"]
    assert len(added["recovery_codes"]) == 10, "the first second factor comes with codes"
    listed = (await async_client.get("/api/auth/passkeys")).json()
    assert [p["name"] for p in listed] == ["Phone"]
    second = (await async_client.post(REGISTER_OPTIONS)).json()
    assert second["user"]["id"] == options["user"]["id"], "one user handle per account"
    assert second["excludeCredentials"] == [
        {"id": b64url(device.passkeys[0].credential_id), "type": "public-key"}
    ]
    await async_client.post("/api/auth/logout")

    options = (await async_client.post(LOGIN_OPTIONS)).json()
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    assert options["rpId"] == "testserver"
    before = async_client.cookies.get("session")
    done = await async_client.post(
        "/api/auth/passkeys/login", json={"credential": device.get(options)}
    )
    assert done.status_code == 200, done.text
    assert done.json()["user"]["email"] == "ada@example.com"
    assert async_client.cookies.get("session") != before
    assert (await async_client.get("/api/auth/me")).json()["id"] == user.id
    logins = await events(app, "login")
    assert logins[-1].details == {"method": "passkey"}
    assert [e.details for e in await events(app, "passkey_added")] == [{"name": "Phone"}]


async def test_passkey_as_the_second_factor(app: App, async_client: AsyncTestClient) -> None:
    """After the password, a user with a passkey finishes signing in with it."""
    await make_user(app)
    device = SoftAuthenticator()
    await sign_in(async_client)
    await add_passkey(async_client, device)
    await async_client.post("/api/auth/logout")
    step = await sign_in(async_client)
    assert step["mfa_required"] is True
    assert (await async_client.get("/api/auth/me")).status_code == 401
    options = (await async_client.post(LOGIN_OPTIONS)).json()
    assert options["allowCredentials"] == [
        {"id": b64url(device.passkeys[0].credential_id), "type": "public-key"}
    ]
    assert options["userVerification"] == "preferred"
    done = await async_client.post(
        "/api/auth/passkeys/login", json={"credential": device.get(options)}
    )
    assert done.status_code == 200
    assert (await async_client.get("/api/auth/me")).status_code == 200


async def test_another_users_passkey_does_not_finish_a_sign_in(
    app: App, async_client: AsyncTestClient
) -> None:
    """The second factor must be the pending user's own passkey."""
    await make_user(app)
    await make_user(app, "eve@example.com")
    ada_device, eve_device = SoftAuthenticator(), SoftAuthenticator()
    await sign_in(async_client)
    await add_passkey(async_client, ada_device)
    await async_client.post("/api/auth/logout")
    await sign_in(async_client, "eve@example.com")
    await add_passkey(async_client, eve_device)
    await async_client.post("/api/auth/logout")

    await sign_in(async_client)  # Ada's password, then Eve's passkey
    options = (await async_client.post(LOGIN_OPTIONS)).json()
    forged = eve_device.get(options, passkey=eve_device.passkeys[0])
    answer = await async_client.post("/api/auth/passkeys/login", json={"credential": forged})
    assert answer.status_code == 400
    assert answer.json()["code"] == "passkey_rejected"
    assert (await async_client.get("/api/auth/me")).status_code == 401


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"origin": "https://evil.example"}, "origin"),
        ({"rp_id": "evil.example"}, "RP ID"),
        ({"challenge": b64url(b"x" * 64)}, "challenge"),
        ({"type": "webauthn.create"}, "type"),
        ({"user_handle": False}, "belong"),
    ],
)
async def test_forged_sign_ins_are_refused(
    app: App, async_client: AsyncTestClient, override: dict[str, Any], reason: str
) -> None:
    """Answers for another site, another challenge or without the owner are refused."""
    await make_user(app)
    device = SoftAuthenticator()
    await sign_in(async_client)
    await add_passkey(async_client, device)
    await async_client.post("/api/auth/logout")
    answer = await passkey_sign_in(async_client, device, **override)
    assert answer.status_code == 400
    assert answer.json()["code"] == "passkey_rejected"
    assert reason in answer.json()["detail"]
    assert (await async_client.get("/api/auth/me")).status_code == 401


async def test_a_bad_signature_and_an_unverified_user_are_refused(
    app: App, async_client: AsyncTestClient
) -> None:
    """A tampered signature fails; signing in alone needs user verification."""
    await make_user(app)
    device = SoftAuthenticator()
    await sign_in(async_client)
    await add_passkey(async_client, device)
    await async_client.post("/api/auth/logout")
    options = (await async_client.post(LOGIN_OPTIONS)).json()
    credential = device.get(options)
    credential["response"]["signature"] = b64url(b"\x30\x06\x02\x01\x01\x02\x01\x01")
    tampered = await async_client.post("/api/auth/passkeys/login", json={"credential": credential})
    assert tampered.status_code == 400
    assert "signature" in tampered.json()["detail"]
    device.user_verified = False
    unverified = await passkey_sign_in(async_client, device)
    assert unverified.status_code == 400
    assert "verif" in unverified.json()["detail"]


async def test_an_answer_works_once(app: App, async_client: AsyncTestClient) -> None:
    """The same signed answer sent again is refused, even with the session cookie of the
    time (the challenge's use is kept on the server), and for a passkey that never counts."""
    await make_user(app)
    device = SoftAuthenticator(counts=False)  # like a synced passkey: sign count stays 0
    await sign_in(async_client)
    await add_passkey(async_client, device)
    await async_client.post("/api/auth/logout")
    options = (await async_client.post(LOGIN_OPTIONS)).json()
    saved = async_client.cookies.get("session")
    credential = device.get(options)
    first = await async_client.post("/api/auth/passkeys/login", json={"credential": credential})
    assert first.status_code == 200
    await async_client.post("/api/auth/logout")
    again = await async_client.post("/api/auth/passkeys/login", json={"credential": credential})
    assert again.status_code == 400
    assert "new passkey options" in again.json()["detail"]
    async_client.cookies.set("session", saved or "")
    replayed = await async_client.post("/api/auth/passkeys/login", json={"credential": credential})
    assert replayed.status_code == 400
    assert "answered already" in replayed.json()["detail"]
    assert (await async_client.get("/api/auth/me")).status_code == 401


async def test_a_cloned_authenticator_is_caught_by_its_counter(
    app: App, async_client: AsyncTestClient
) -> None:
    """A signature counter that goes backwards (a cloned key) is refused."""
    await make_user(app)
    device = SoftAuthenticator()
    await sign_in(async_client)
    await add_passkey(async_client, device)
    await async_client.post("/api/auth/logout")
    assert (await passkey_sign_in(async_client, device)).status_code == 200
    await async_client.post("/api/auth/logout")
    device.passkeys[0].sign_count = 0  # the clone has not counted the use above
    cloned = await passkey_sign_in(async_client, device)
    assert cloned.status_code == 400
    assert "sign count" in cloned.json()["detail"]


async def test_registration_refusals(app: App, async_client: AsyncTestClient) -> None:
    """Registering needs fresh options, the right origin, and a passkey not seen before."""
    await make_user(app)
    device = SoftAuthenticator()
    await sign_in(async_client)
    unasked = await async_client.post(
        "/api/auth/passkeys/register",
        json={
            "credential": device.create(
                {"rp": {"id": "testserver"}, "user": {"id": "AA"}, "challenge": "AA"}
            )
        },
    )
    assert unasked.status_code == 400
    assert unasked.json()["code"] == "passkey_rejected"
    options = (await async_client.post(REGISTER_OPTIONS)).json()
    wrong_origin = device.create(options, origin="https://evil.example")
    answer = await async_client.post(
        "/api/auth/passkeys/register", json={"credential": wrong_origin}
    )
    assert answer.status_code == 400
    assert "origin" in answer.json()["detail"]
    options = (await async_client.post(REGISTER_OPTIONS)).json()
    credential = device.create(options)
    assert (
        await async_client.post("/api/auth/passkeys/register", json={"credential": credential})
    ).status_code == 201
    options = (await async_client.post(REGISTER_OPTIONS)).json()
    fresh = device.create(options, credential_id=device.passkeys[-1].credential_id)
    twice = await async_client.post("/api/auth/passkeys/register", json={"credential": fresh})
    assert twice.status_code == 400
    assert twice.json()["detail"] == "This passkey is registered already."


async def test_remove_a_passkey(app: App, async_client: AsyncTestClient) -> None:
    """A user removes their own passkeys only; with none left, the recovery codes go."""
    await make_user(app)
    await make_user(app, "eve@example.com")
    await sign_in(async_client, "eve@example.com")
    eves = (await add_passkey(async_client, SoftAuthenticator()))["passkey"]["id"]
    await async_client.post("/api/auth/logout")
    await sign_in(async_client)
    mine = (await add_passkey(async_client, SoftAuthenticator()))["passkey"]["id"]
    assert (await async_client.delete(f"/api/auth/passkeys/{eves}")).status_code == 404
    assert (await async_client.get("/api/auth/mfa")).json()["recovery_codes_left"] == 10
    assert (await async_client.delete(f"/api/auth/passkeys/{mine}")).status_code == 204
    assert (await async_client.get("/api/auth/passkeys")).json() == []
    assert (await async_client.get("/api/auth/mfa")).json() == {
        "totp": False,
        "passkeys": 0,
        "recovery_codes_left": 0,
    }
    assert [e.details for e in await events(app, "passkey_removed")] == [{"name": "Laptop"}]
    await async_client.post("/api/auth/logout")
    assert (await sign_in(async_client))["user"] is not None, "no second factor any more"


async def test_the_security_page_lists_passkeys(app: App, async_client: AsyncTestClient) -> None:
    """The page shows the passkeys with a remove button and the add-a-passkey button."""
    await make_user(app)
    await sign_in(async_client)
    page = (await async_client.get("/accounts/security")).text
    assert 'id="passkey-add"' in page
    assert 'data-options-url="/api/auth/passkeys/register/options"' in page
    assert 'data-url="/api/auth/passkeys/register"' in page
    assert 'id="passkey-list-empty"' in page
    script = page.split('<script src="')[1].split('"')[0]
    assert script.startswith("/static/auth/passkeys.")
    served = await async_client.get(script)
    assert served.status_code == 200
    assert "navigator.credentials.create" in served.text
    added = await add_passkey(async_client, SoftAuthenticator(), name="Work <laptop>")
    page = (await async_client.get("/accounts/security")).text
    assert "Work &lt;laptop&gt;" in page
    removed = await async_client.post(
        f"/accounts/security/passkeys/{added['passkey']['id']}/delete"
    )
    assert removed.status_code == 303
    assert "The passkey is removed." in (await async_client.get("/accounts/security")).text


async def test_the_login_snippet(make_auth_app: AppFactory, auth_folder: Path) -> None:
    """auth/_passkey_login.html draws the button with the endpoints and a safe ``next``."""
    (auth_folder / "login_with_passkey.html").write_text(
        '{% include "auth/_passkey_login.html" ignore missing %}'
    )
    app = make_auth_app()

    @app.get("/login-page")
    async def login_page(next_url: Annotated[str, Query(alias="next")]) -> TemplateResponse:
        return TemplateResponse("login_with_passkey.html", {"next": next_url})

    async with AsyncTestClient(app) as client:
        html = (await client.get("/login-page", params={"next": "/cart"})).text
        assert 'id="passkey-login"' in html
        assert 'data-options-url="/api/auth/passkeys/login/options"' in html
        assert 'data-url="/api/auth/passkeys/login"' in html
        assert 'data-next="/cart"' in html
        assert 'data-csrf="' in html
        assert '<script src="/static/auth/passkeys.' in html
        unsafe = (await client.get("/login-page", params={"next": "//evil.example"})).text
        assert 'data-next="/"' in unsafe


async def test_the_login_snippet_is_empty_without_mfa(
    make_auth_app: AppFactory, auth_folder: Path
) -> None:
    """With Auth(mfa=False) the snippet draws nothing (and no MFA route exists)."""
    (auth_folder / "login_with_passkey.html").write_text(
        '[{% include "auth/_passkey_login.html" ignore missing %}]'
    )
    app = make_auth_app(mfa=False)

    @app.get("/login-page")
    async def login_page() -> TemplateResponse:
        return TemplateResponse("login_with_passkey.html", {"next": None})

    async with AsyncTestClient(app) as client:
        assert (await client.get("/login-page")).text.strip() == "[]"
        assert (await client.post("/api/auth/passkeys/login/options")).status_code == 404


async def test_the_mfa_page_offers_the_passkey(app: App, async_client: AsyncTestClient) -> None:
    """The second-step page has a passkey button for a user who has one."""
    await make_user(app)
    await sign_in(async_client)
    await add_passkey(async_client, SoftAuthenticator())
    await async_client.post("/api/auth/logout")
    await sign_in(async_client)
    page = (await async_client.get("/accounts/mfa", params={"next": "/cart"})).text
    assert 'id="passkey-login"' in page
    assert 'data-next="/cart"' in page
    assert "Use your passkey" in page


def test_relying_party_settings_are_checked() -> None:
    """The rp id is a domain; each origin is on it; in production it is required."""
    with pytest.raises(ImproperlyConfigured, match="domain name"):
        AuthConfig(webauthn_rp_id="https://example.com")
    with pytest.raises(ImproperlyConfigured, match=r"not on 'example\.com'"):
        AuthConfig(webauthn_rp_id="example.com", webauthn_origins=["https://example.org"])
    with pytest.raises(ImproperlyConfigured, match="must be an origin"):
        AuthConfig(webauthn_origins=["https://example.com/login"])
    config = AuthConfig(
        webauthn_rp_id="example.com",
        webauthn_origins=["https://example.com", "https://www.example.com:8443"],
    )
    assert config.webauthn_origins[1] == "https://www.example.com:8443"


def test_production_needs_the_rp_id(tmp_path: Path) -> None:
    """Without webauthn_rp_id, a production app does not start (mfa=False opts out)."""

    def production_app(**options: Any) -> App:
        return App(
            settings=Settings(
                environment="production", secret_key="p" * 40, allowed_hosts=["example.com"]
            ),
            components=[
                Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"),
                Sessions(),
                Templates(tmp_path),
                Forms(),
                CSRF(),
                Mail(
                    backend="memory",
                    allow_dev_backends=True,
                    base_url="https://example.com",
                    default_from="noreply@example.com",
                ),
                Auth(**options),
            ],
        )

    with pytest.raises(ImproperlyConfigured, match="webauthn_rp_id"):
        production_app()
    assert production_app(mfa=False).component(Auth) is not None
    assert production_app(webauthn_rp_id="example.com").component(Auth) is not None


async def test_configured_relying_party(make_auth_app: AppFactory) -> None:
    """A configured rp id and name are what the options carry, and the origins are
    checked against them."""
    app = make_auth_app(
        webauthn_rp_id="testserver",
        webauthn_rp_name="Shop",
        webauthn_origins=["https://testserver"],
    )
    async with AsyncTestClient(app) as client:  # started first: its writes roll back
        as_browser(client)
        await make_user(app)
        await sign_in(client)
        options = (await client.post(REGISTER_OPTIONS)).json()
        assert options["rp"] == {"id": "testserver", "name": "Shop"}
        plain = SoftAuthenticator(origin="http://testserver")
        refused = await client.post(
            "/api/auth/passkeys/register", json={"credential": plain.create(options)}
        )
        assert refused.status_code == 400
        options = (await client.post(REGISTER_OPTIONS)).json()
        secure = SoftAuthenticator(origin="https://testserver")
        accepted = await client.post(
            "/api/auth/passkeys/register", json={"credential": secure.create(options)}
        )
        assert accepted.status_code == 201


async def test_passkeys_service_by_type(make_auth_app: AppFactory) -> None:
    """Handlers get the service by type; its relying party follows the request."""
    app = make_auth_app()

    @app.get("/rp")
    async def rp(passkeys: Passkeys) -> dict[str, Any]:
        return {"id": passkeys.rp.id, "origins": list(passkeys.rp.origins)}

    async with AsyncTestClient(app, base_url="http://shop.localhost:8000") as client:
        assert (await client.get("/rp")).json() == {
            "id": "shop.localhost",
            "origins": ["http://shop.localhost:8000"],
        }


async def test_stored_row(app: App, async_client: AsyncTestClient) -> None:
    """The stored passkey holds the credential id, the COSE key and the counter."""
    user = await make_user(app)
    device = SoftAuthenticator()
    await sign_in(async_client)
    await add_passkey(async_client, device)
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        row = await session.scalar(
            select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id)
        )
    assert row is not None
    assert row.credential_id == b64url(device.passkeys[0].credential_id)
    assert row.user_handle == b64url(device.passkeys[0].user_handle)
    assert row.sign_count == 0
    assert row.last_used_at is None


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value."""

FIELDS = [
    ("id",),
    ("rawId",),
    ("type",),
    ("authenticatorAttachment",),
    ("response",),
    ("response", "clientDataJSON"),
    ("response", "attestationObject"),
    ("response", "authenticatorData"),
    ("response", "signature"),
    ("response", "userHandle"),
    ("response", "transports"),
]


def replacement() -> st.SearchStrategy[Any]:
    """What a field of a real answer is replaced with: any JSON, or base64url of random
    bytes, of CBOR, or of JSON (so the decoders behind the base64 get garbage too)."""
    raw = st.binary(max_size=300).map(b64url)
    as_cbor = JSON.map(lambda value: b64url(cbor2.dumps(value)))
    as_json = JSON.map(lambda value: b64url(json.dumps(value).encode()))
    return st.one_of(JSON, raw, as_cbor, as_json)


def mutate(credential: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``credential`` with the field at ``path`` replaced (or removed: ``...``)."""
    copy = json.loads(json.dumps(credential))
    target = copy
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            return copy
        target = target[key]
    if value is ...:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return copy


FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_no_server_error(response: httpx.Response) -> None:
    """Below 500, and a problem document when refused."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest_asyncio.fixture
async def enrolled(app: App, async_client: AsyncTestClient) -> tuple[SoftAuthenticator, int]:
    """A signed-in user with one passkey: the device that holds it and its id."""
    await make_user(app)
    await sign_in(async_client)
    device = SoftAuthenticator()
    added = await add_passkey(async_client, device)
    return device, added["passkey"]["id"]


@pytest.mark.parametrize("backend", ["sqlite"])
@FUZZ
@given(data=st.data())
async def test_fuzzed_passkey_answers_never_fail_the_server(
    async_client: AsyncTestClient,
    enrolled: tuple[SoftAuthenticator, int],
    data: st.DataObject,
) -> None:
    """Real answers with any field replaced or removed, and arbitrary bodies, sent to the
    passkey endpoints: always an answer below 500."""
    device, own_id = enrolled
    path = data.draw(st.sampled_from(FIELDS))
    value = data.draw(st.one_of(st.just(...), replacement()))
    if data.draw(st.booleans()):
        options = (await async_client.post(REGISTER_OPTIONS)).json()
        body: Any = {"credential": mutate(device.create(options), path, value)}
        device.passkeys.pop()
        endpoint = "/api/auth/passkeys/register"
    else:
        await async_client.post("/api/auth/logout")
        options = (await async_client.post(LOGIN_OPTIONS)).json()
        body = {"credential": mutate(device.get(options), path, value)}
        endpoint = "/api/auth/passkeys/login"
    if data.draw(st.sampled_from([False] * 9 + [True])):  # now and then, any body at all
        body = data.draw(JSON)
    headers = {"Content-Type": "application/json"}
    sent = await async_client.post(endpoint, content=json.dumps(body), headers=headers)
    assert_no_server_error(sent)
    if (await async_client.get("/api/auth/me")).status_code != 200:
        signed_in = await passkey_sign_in(async_client, device)
        assert signed_in.status_code == 200, "the real passkey still works"
    ids = st.integers(min_value=-(2**70), max_value=2**70).filter(lambda i: i != own_id)
    passkey_id = data.draw(ids)
    assert_no_server_error(await async_client.delete(f"/api/auth/passkeys/{passkey_id}"))
