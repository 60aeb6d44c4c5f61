"""Personal API tokens through the JSON API, and a fuzz of the ``Authorization`` header."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from schooner import App
from schooner.config import Secret
from schooner.contrib.auth import (
    ApiToken,
    ApiTokens,
    Auth,
    AuthEvent,
    CurrentUser,
    Identity,
    User,
    login_required,
    scope_required,
)
from schooner.contrib.csrf.testing import as_browser
from schooner.testing import AsyncTestClient, TestClient

from .conftest import PASSWORD, AppFactory, make_user


def add_routes(app: App) -> App:
    """Routes guarded by sign-in and by scopes, answering how the caller was identified."""

    @app.get("/private", meta=[login_required])
    async def private(user: CurrentUser, identity: Identity) -> dict[str, Any]:
        scopes = None if identity.scopes is None else sorted(identity.scopes)
        return {
            "email": user.email,
            "method": identity.method,
            "scopes": scopes,
            "token_id": identity.token_id,
        }

    @app.get("/read", meta=[scope_required("posts:read")])
    async def read() -> dict[str, bool]:
        return {"read": True}

    @app.get("/write", meta=[scope_required("posts:write")])
    async def write() -> dict[str, bool]:
        return {"written": True}

    return app


@pytest.fixture
def app(make_auth_app: AppFactory) -> App:
    """The account app with the guarded routes."""
    return add_routes(make_auth_app())


async def sign_in(client: AsyncTestClient, email: str = "ada@example.com") -> None:
    """Sign in with a session, through the JSON API."""
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def create(client: AsyncTestClient, **body: Any) -> dict[str, Any]:
    """``POST /api/auth/tokens`` (name "ci" unless given); the answer's JSON."""
    response = await client.post("/api/auth/tokens", json={"name": "ci", **body})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    created: dict[str, Any] = response.json()
    return created


def token_header(token: str, scheme: str = "Bearer") -> dict[str, str]:
    """The ``Authorization`` header carrying ``token``."""
    return {"Authorization": f"{scheme} {token}"}


async def stored(app: App) -> list[ApiToken]:
    """Every API token row, oldest first."""
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        return list((await session.scalars(select(ApiToken).order_by(ApiToken.id))).all())


async def set_row(app: App, token_id: int, **values: Any) -> None:
    """Change columns of one API token row directly."""
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(**values))


async def test_token_is_shown_once_and_stored_as_a_digest(
    app: App, async_client: AsyncTestClient
) -> None:
    """The token is in the creation answer only; the database holds its SHA-256 digest."""
    await make_user(app)
    await sign_in(async_client)
    created = await create(async_client, name="deploy script", scopes=["posts:read"])
    token = created["token"]
    assert token.startswith("sch_")
    assert len(token) == 4 + 12 + 43
    assert created["prefix"] == token[:16]
    assert created["name"] == "deploy script"
    assert created["scopes"] == ["posts:read"]
    assert created["expires_at"] is None

    listed = (await async_client.get("/api/auth/tokens")).json()
    assert [item["id"] for item in listed] == [created["id"]]
    assert "token" not in listed[0]
    assert token[16:] not in json.dumps(listed)

    (row,) = await stored(app)
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    columns = [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]
    assert not any(token[16:] in value for value in columns), "no column holds the secret"
    assert row.prefix == token[4:16]

    as_script = AsyncTestClient(app)  # a client without the session cookie
    response = await as_script.get("/private", headers=token_header(token))
    assert response.status_code == 200
    assert response.json() == {
        "email": "ada@example.com",
        "method": "token",
        "scopes": ["posts:read"],
        "token_id": str(created["id"]),
    }


async def test_scopes_are_enforced(app: App, async_client: AsyncTestClient) -> None:
    """A token opens the routes of its scopes only; a token made without scopes, all."""
    await make_user(app)
    await sign_in(async_client)
    reader = (await create(async_client, scopes=["posts:read"]))["token"]
    everything = (await create(async_client))["token"]
    client = AsyncTestClient(app)
    assert (await client.get("/read", headers=token_header(reader))).status_code == 200
    refused = await client.get("/write", headers=token_header(reader))
    assert refused.status_code == 403
    assert refused.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="posts:write"'
    )
    assert (await client.get("/write", headers=token_header(everything))).status_code == 200


async def test_scoped_caller_cannot_make_broader_tokens(
    app: App, async_client: AsyncTestClient
) -> None:
    """A token can only make tokens with some of its own scopes, listed explicitly."""
    await make_user(app)
    await sign_in(async_client)
    reader = (await create(async_client, scopes=["posts:read", "posts:list"]))["token"]
    client = AsyncTestClient(app)
    headers = token_header(reader)
    for body in ({"name": "x", "scopes": ["posts:write"]}, {"name": "x"}):
        refused = await client.post("/api/auth/tokens", json=body, headers=headers)
        assert refused.status_code == 403, body
        assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    narrower = await client.post(
        "/api/auth/tokens", json={"name": "x", "scopes": ["posts:read"]}, headers=headers
    )
    assert narrower.status_code == 201
    assert narrower.json()["scopes"] == ["posts:read"]


async def test_expired_token_is_refused(app: App, async_client: AsyncTestClient) -> None:
    """A token past ``expires_at`` gets 401 ``invalid_token``."""
    await make_user(app)
    await sign_in(async_client)
    created = await create(async_client, expires_in_days=30)
    expires = datetime.fromisoformat(created["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    client = AsyncTestClient(app)
    assert (await client.get("/private", headers=token_header(created["token"]))).is_success
    await set_row(app, created["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = await client.get("/private", headers=token_header(created["token"]))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert response.json()["detail"] == "This API token has expired."


async def test_revoked_token_stops_working(app: App, async_client: AsyncTestClient) -> None:
    """``DELETE /tokens/{id}`` revokes the caller's own token, and only theirs."""
    await make_user(app)
    await make_user(app, "grace@example.com")
    await sign_in(async_client)
    mine = await create(async_client)
    client = AsyncTestClient(app)
    assert (await client.get("/private", headers=token_header(mine["token"]))).is_success

    as_grace = AsyncTestClient(app)
    as_browser(as_grace)
    await sign_in(as_grace, "grace@example.com")
    stolen = await as_grace.delete(f"/api/auth/tokens/{mine['id']}")
    assert stolen.status_code == 404, "another user's token is not found"

    assert (await async_client.delete(f"/api/auth/tokens/{mine['id']}")).status_code == 204
    response = await client.get("/private", headers=token_header(mine["token"]))
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has been revoked."
    assert (await async_client.get("/api/auth/tokens")).json() == []
    assert (await async_client.delete(f"/api/auth/tokens/{mine['id']}")).status_code == 404

    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        rows = await session.execute(
            select(AuthEvent.kind, AuthEvent.details).where(AuthEvent.kind.like("token_%"))
        )
        assert rows.all() == [
            ("token_created", {"token": mine["id"], "name": "ci"}),
            ("token_revoked", {"token": mine["id"]}),
        ]


async def test_last_used_at_is_written_at_most_once_a_minute(
    app: App, async_client: AsyncTestClient
) -> None:
    """Use sets ``last_used_at``; uses within the next minute do not write it again."""
    await make_user(app)
    await sign_in(async_client)
    created = await create(async_client)
    assert created["last_used_at"] is None
    client = AsyncTestClient(app)
    await client.get("/private", headers=token_header(created["token"]))
    (row,) = await stored(app)
    first = row.last_used_at
    assert first is not None
    assert datetime.now(UTC) - first < timedelta(seconds=30)

    await client.get("/private", headers=token_header(created["token"]))
    (row,) = await stored(app)
    assert row.last_used_at == first, "a second use within a minute writes nothing"

    earlier = datetime.now(UTC) - timedelta(minutes=2)
    await set_row(app, created["id"], last_used_at=earlier)
    await client.get("/private", headers=token_header(created["token"]))
    (row,) = await stored(app)
    assert row.last_used_at is not None
    assert row.last_used_at > earlier + timedelta(minutes=1)
    listed = (await async_client.get("/api/auth/tokens")).json()
    assert datetime.fromisoformat(listed[0]["last_used_at"]) == row.last_used_at


async def test_unknown_malformed_and_disabled_tokens_are_refused(
    app: App, async_client: AsyncTestClient
) -> None:
    """Tokens that were never made, or whose account is disabled, get 401."""
    user = await make_user(app)
    await sign_in(async_client)
    token = (await create(async_client))["token"]
    client = AsyncTestClient(app)
    for value in ("sch_short", "sch_" + "A" * 55, token[:-1] + ("A" if token[-1] != "A" else "B")):
        response = await client.get("/private", headers=token_header(value))
        assert response.status_code == 401, value
        assert response.json()["detail"] == "This API token is not valid."
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    assert (await client.get("/private", headers=token_header(token))).status_code == 401
    async with auth.database.transaction() as session:
        await session.delete(await session.get(User, user.id))
    assert await stored(app) == [], "the tokens go with the account"


async def test_token_routes_need_a_user_and_valid_input(
    app: App, async_client: AsyncTestClient
) -> None:
    """Anonymous callers get 401; a blank name, a bad scope or a bad lifetime get 422."""
    await make_user(app)
    assert (await async_client.get("/api/auth/tokens")).status_code == 401
    assert (await async_client.post("/api/auth/tokens", json={"name": "x"})).status_code == 401
    await sign_in(async_client)
    for body, field in (
        ({"name": "   "}, "name"),
        ({"name": "x", "scopes": ["two words"]}, "scopes"),
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": ""}, "name"),
    ):
        response = await async_client.post("/api/auth/tokens", json=body)
        assert response.status_code == 422, body
        assert field in response.json()["errors"][0]["loc"]
    assert await stored(app) == []


async def test_api_token_creation_with_a_jwt(app: App, async_client: AsyncTestClient) -> None:
    """A client signed in with a JWT makes an API token without any cookie or CSRF token."""
    await make_user(app)
    client = AsyncTestClient(app)
    pair = (
        await client.post(
            "/api/auth/token", json={"email": "ada@example.com", "password": PASSWORD}
        )
    ).json()
    response = await client.post(
        "/api/auth/tokens",
        json={"name": "from jwt"},
        headers=token_header(pair["access_token"]),
    )
    assert response.status_code == 201
    assert response.json()["scopes"] is None
    assert "set-cookie" not in response.headers


async def test_token_scheme_carries_api_tokens(make_auth_app: AppFactory) -> None:
    """With ``header_scheme="Token"`` (RealWorld), API tokens are sent as ``Token``."""
    app = add_routes(make_auth_app(header_scheme="Token"))
    async with AsyncTestClient(app) as client:
        as_browser(client)
        await make_user(app)
        await sign_in(client)
        token = (await create(client))["token"]
        script = AsyncTestClient(app)
        ok = await script.get("/private", headers=token_header(token, "Token"))
        assert ok.status_code == 200
        assert ok.json()["method"] == "token"
        assert (await script.get("/private", headers=token_header(token))).status_code == 401
        bad = await script.get("/private", headers=token_header(token + "x", "Token"))
        assert bad.headers["www-authenticate"] == 'Token realm="api", error="invalid_token"'


async def test_api_tokens_off(make_auth_app: AppFactory) -> None:
    """``api_tokens=False`` serves no token routes and reads no API tokens."""
    app = add_routes(make_auth_app(api_tokens=False))
    async with AsyncTestClient(app) as client:
        as_browser(client)
        await make_user(app)
        await sign_in(client)
        assert (await client.get("/api/auth/tokens")).status_code == 404
        assert (
            await client.get("/private", headers=token_header("sch_" + "A" * 55))
        ).status_code == 401
    auth = app.component(Auth)
    assert auth is not None
    assert not any(isinstance(a, ApiTokens) for a in auth.authenticators)


# -- fuzzing the Authorization header -----------------------------------------------------

FUZZ_KEY = "fuzz-signing-key-0123456789-abcdefghijklmnop"
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same cases on every run: a CI failure reproduces locally
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
b64_text = st.text(alphabet=B64, max_size=80)
header_text = st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=80)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
CLAIMS = ["sub", "exp", "iat", "nbf", "jti", "fam", "typ", "scope", "stm", "iss", "aud"]
ODD_VALUES = [
    "access",
    "refresh",
    "0",
    "-1",
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() reads them
    "9" * 19,  # past a signed 64-bit column
    "1" * 25,
    "a" * 22,
    "\x00" * 20,
    "x" * 5000,
]
claim_values = st.one_of(
    st.sampled_from(ODD_VALUES),
    json_values,
    st.integers(-(2**70), 2**70),
    st.integers(0, 10**20).map(str),
    st.integers(-(10**6), 10**6).map(lambda delta: int(time.time()) + delta),
)


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims, read without checking the signature."""
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


def b64_json(value: Any) -> str:
    """base64url of ``value`` as JSON, without padding."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@st.composite
def credentials(draw: st.DrawFn, real: tuple[str, ...]) -> str:
    """Credentials that are junk, nearly JWTs or API tokens, or real ones mutated; and JWTs
    of arbitrary claims signed with the app's key, so the checks after the signature run."""
    kind = draw(st.sampled_from([0, 1, 2, 3, 3, 3, 3, 4, 5, 6]))
    if kind == 0:
        return draw(header_text)
    if kind == 1:
        return ".".join(draw(st.lists(b64_text, min_size=1, max_size=5)))
    if kind == 2:
        header = draw(st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit"]), json_values))
        return f"{b64_json(header)}.{b64_json(draw(json_values))}.{draw(b64_text)}"
    if kind == 3:
        # Valid claims with a few replaced or removed, so that most reach the checks that
        # follow the signature's.
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": claims_of(real[0])["sub"],
            "iat": now,
            "exp": now + 600,
            "jti": "j" * 22,
            "fam": "f" * 32,
            "typ": draw(st.sampled_from(["access", "refresh"])),
        }
        for name in draw(st.lists(st.sampled_from(CLAIMS), min_size=1, max_size=2)):
            if draw(st.booleans()):
                claims[name] = draw(claim_values)
            else:
                claims.pop(name, None)
        try:
            return jwt.encode(claims, FUZZ_KEY, algorithm="HS256", headers={"kid": "fuzz"})
        except (TypeError, ValueError, jwt.PyJWTError):
            return draw(b64_text)
    if kind == 4:
        return "sch_" + draw(st.text(alphabet=B64 + "._~+/=", max_size=70))
    token = draw(st.sampled_from(real))
    if kind == 5 or not token:
        return token
    at = draw(st.integers(0, len(token) - 1))
    edit = draw(st.sampled_from(["replace", "cut", "insert"]))
    char = draw(st.sampled_from(B64 + ".~ \t"))
    if edit == "replace":
        return token[:at] + char + token[at + 1 :]
    if edit == "cut":
        return token[:at]
    return token[:at] + char + token[at:]


def check(response: httpx.Response) -> None:
    """No 5xx; a 4xx is a problem document."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code


def test_authorization_header_fuzz(make_auth_app: AppFactory) -> None:
    """Whatever the ``Authorization`` header or token body holds, the answer is below 500."""
    app = add_routes(
        make_auth_app(require_verified_email=False, jwt_keys={"fuzz": Secret(FUZZ_KEY)})
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        registered = client.post(
            "/api/auth/register",
            json={"email": "fuzz@example.com", "password": PASSWORD},
            headers={"Sec-Fetch-Site": "same-origin"},  # a session route: as the site's page
        )
        assert registered.status_code == 202
        pair = client.post(
            "/api/auth/token", json={"email": "fuzz@example.com", "password": PASSWORD}
        ).json()
        api = client.post(
            "/api/auth/tokens", json={"name": "fuzz"}, headers=token_header(pair["access_token"])
        ).json()["token"]
        assert client.get("/private", headers=token_header(api)).status_code == 200
        real = (pair["access_token"], pair["refresh_token"], api)

        @FUZZ
        @given(
            scheme=st.sampled_from(["Bearer", "bearer", "BEARER", "Token", "Basic", ""]),
            separator=st.sampled_from([" ", "  ", "\t", ""]),
            credential=credentials(real),
        )
        def fuzz(scheme: str, separator: str, credential: str) -> None:
            value = f"{scheme}{separator}{credential}".encode("latin-1")
            check(client.get("/private", headers={"authorization": value}))
            check(client.get("/api/auth/tokens", headers={"authorization": value}))
            check(client.post("/api/auth/token/refresh", json={"refresh_token": credential}))
            check(client.post("/api/auth/token/revoke", json={"token": credential}))

        fuzz()
