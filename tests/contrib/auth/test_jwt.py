"""JWT access and refresh tokens through the JSON API, on every backend."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select, update

from schooner import App
from schooner.config import Secret
from schooner.contrib.auth import (
    Auth,
    AuthConfig,
    AuthEvent,
    CurrentUser,
    Identity,
    JWTTokens,
    RefreshToken,
    User,
    login_required,
    scope_required,
)
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient

from .conftest import PASSWORD, AppFactory, make_user

KEY_OLD = "old-signing-key-0123456789-abcdefghijklmnop"
KEY_NEW = "new-signing-key-9876543210-zyxwvutsrqponmlk"


def add_routes(app: App) -> App:
    """Routes guarded by sign-in and by scopes, answering how the caller was identified."""

    @app.get("/private", meta=[login_required])
    async def private(user: CurrentUser, identity: Identity) -> dict[str, Any]:
        return {"email": user.email, "method": identity.method, "family": identity.token_id}

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


async def obtain(client: AsyncTestClient, **extra: Any) -> dict[str, Any]:
    """A token pair for ada@example.com through ``POST /api/auth/token``."""
    body = {"email": "ada@example.com", "password": PASSWORD, **extra}
    response = await client.post("/api/auth/token", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    pair: dict[str, Any] = response.json()
    return pair


async def refresh(client: AsyncTestClient, token: str) -> Any:
    """``POST /api/auth/token/refresh`` with ``token``."""
    return await client.post("/api/auth/token/refresh", json={"refresh_token": token})


def bearer(token: str, scheme: str = "Bearer") -> dict[str, str]:
    """The ``Authorization`` header carrying ``token``."""
    return {"Authorization": f"{scheme} {token}"}


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims, read without checking the signature."""
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


def resign(token: str, key: Any, *, kid: str, algorithm: str = "HS256", **changes: Any) -> str:
    """``token``'s claims with ``changes``, signed again with ``key`` under ``kid``."""
    return jwt.encode(
        {**claims_of(token), **changes}, key, algorithm=algorithm, headers={"kid": kid}
    )


def b64(data: dict[str, Any]) -> str:
    """base64url JSON without padding, as in a JWT."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def events(app: App) -> list[tuple[str, dict[str, Any] | None]]:
    """The audit events (kind, details), oldest first."""
    auth = app.component(Auth)
    assert auth is not None
    await auth.drain_mail()  # failures are stored beside their requests
    async with auth.database.transaction() as session:
        rows = await session.execute(
            select(AuthEvent.kind, AuthEvent.details).order_by(AuthEvent.id)
        )
        return [(kind, details) for kind, details in rows.all()]


async def refresh_rows(app: App) -> list[RefreshToken]:
    """Every stored refresh token, oldest first."""
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        return list((await session.scalars(select(RefreshToken).order_by(RefreshToken.id))).all())


def jwt_tokens(app: App) -> JWTTokens:
    """The app's JWT service (one of the ``Auth`` component's authenticators)."""
    auth = app.component(Auth)
    assert auth is not None
    return next(a for a in auth.authenticators if isinstance(a, JWTTokens))


# -- issuing and using --------------------------------------------------------------------


async def test_token_is_issued_and_opens_a_login_required_route(
    app: App, async_client: AsyncTestClient
) -> None:
    """E-mail and password give an access token that a guarded route accepts as Bearer."""
    user = await make_user(app)
    pair = await obtain(async_client)
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900

    header = jwt.get_unverified_header(pair["access_token"])
    assert header["alg"] == "HS256"
    assert header["kid"] == "default"
    claims = claims_of(pair["access_token"])
    assert claims["sub"] == str(user.id)
    assert claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]
    assert "scope" not in claims

    response = await async_client.get("/private", headers=bearer(pair["access_token"]))
    assert response.status_code == 200
    assert response.json() == {"email": "ada@example.com", "method": "jwt", "family": claims["fam"]}
    me = await async_client.get("/api/auth/me", headers=bearer(pair["access_token"]))
    assert me.json()["email"] == "ada@example.com"
    assert (await async_client.get("/private")).status_code == 401, "no cookie was set"
    assert ("login", {"method": "jwt"}) in await events(app)


async def test_refresh_token_is_no_access_token(app: App, async_client: AsyncTestClient) -> None:
    """A refresh token sent as an access token is refused, and an access token cannot refresh."""
    await make_user(app)
    pair = await obtain(async_client)
    response = await async_client.get("/private", headers=bearer(pair["refresh_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert (await refresh(async_client, pair["access_token"])).status_code == 401


async def test_token_endpoint_applies_the_sign_in_rules(make_auth_app: AppFactory) -> None:
    """Wrong passwords, unverified addresses and disabled accounts get no token; failures
    are audited and throttled like those of ``/login``."""
    # Failures are audited in a transaction of their own, which must outlive the request's.
    app = make_auth_app(isolated=False, account_limits="3/hour")
    async with AsyncTestClient(app) as client:
        await make_user(app)
        await make_user(app, "new@example.com", email_verified=False)
        await make_user(app, "off@example.com", is_active=False)
        wrong = await client.post(
            "/api/auth/token", json={"email": "ada@example.com", "password": "not the password"}
        )
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "invalid_credentials"
        unverified = await client.post(
            "/api/auth/token", json={"email": "new@example.com", "password": PASSWORD}
        )
        assert unverified.status_code == 403
        assert unverified.json()["code"] == "email_not_verified"
        disabled = await client.post(
            "/api/auth/token", json={"email": "off@example.com", "password": PASSWORD}
        )
        assert disabled.status_code == 400
        for _ in range(2):
            await client.post(
                "/api/auth/token", json={"email": "ada@example.com", "password": "guess"}
            )
        throttled = await client.post(
            "/api/auth/token", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert throttled.status_code == 429
        kinds = [kind for kind, _ in await events(app)]
    assert kinds == ["login_failed", "login_failed", "login_failed", "lockout"]


async def test_token_endpoint_refuses_accounts_with_a_second_factor(
    app: App, async_client: AsyncTestClient
) -> None:
    """An account with a second factor enrolled gets a 403 ``mfa_required``, no tokens."""

    class Totp:
        """A factor every account but ada's has enrolled."""

        name = "totp"

        async def enrolled(self, user: Any, db: Any) -> bool:
            return bool(user.email != "ada@example.com")

    auth = app.component(Auth)
    assert auth is not None
    auth.add_second_factor(Totp())
    await make_user(app)
    await make_user(app, "grace@example.com")
    await obtain(async_client)
    refused = await async_client.post(
        "/api/auth/token", json={"email": "grace@example.com", "password": PASSWORD}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "mfa_required"
    assert len(await refresh_rows(app)) == 1


async def test_expired_access_token_is_answered_401_invalid_token(
    make_auth_app: AppFactory,
) -> None:
    """An access token past its ``exp`` gets 401 with ``error="invalid_token"``."""
    app = add_routes(make_auth_app(jwt_keys={"k1": Secret(KEY_OLD)}))
    async with AsyncTestClient(app) as client:
        await make_user(app)
        pair = await obtain(client)
        now = int(time.time())
        fresh = resign(pair["access_token"], KEY_OLD, kid="k1", iat=now - 60, exp=now + 60)
        assert (await client.get("/private", headers=bearer(fresh))).status_code == 200
        expired = resign(pair["access_token"], KEY_OLD, kid="k1", iat=now - 960, exp=now - 60)
        response = await client.get("/private", headers=bearer(expired))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == ('Bearer realm="api", error="invalid_token"')
    assert response.json()["detail"] == "The token has expired."


# -- refresh and reuse ----------------------------------------------------------------------


async def test_refresh_rotates_both_tokens(app: App, async_client: AsyncTestClient) -> None:
    """A refresh gives a new pair in the same family; the old refresh token is used up."""
    await make_user(app)
    first = await obtain(async_client, scope="posts:read")
    response = await refresh(async_client, first["refresh_token"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert claims_of(second["refresh_token"])["fam"] == claims_of(first["refresh_token"])["fam"]
    assert claims_of(second["access_token"])["scope"] == "posts:read", "the scope is kept"
    ok = await async_client.get("/read", headers=bearer(second["access_token"]))
    assert ok.status_code == 200

    old, new = await refresh_rows(app)
    assert old.used_at is not None
    assert old.revoked_at is None
    assert new.used_at is None
    assert new.family == old.family
    assert new.jti == claims_of(second["refresh_token"])["jti"]
    assert (await refresh(async_client, second["refresh_token"])).status_code == 200


async def test_reused_refresh_token_revokes_its_family(
    app: App, async_client: AsyncTestClient
) -> None:
    """Presenting a used refresh token again revokes every token of that sign-in, the newest
    included, records ``refresh_reused`` and answers 401; other sign-ins go on."""
    await make_user(app)
    stolen = await obtain(async_client)
    other = await obtain(async_client)
    rotated = (await refresh(async_client, stolen["refresh_token"])).json()

    reused = await refresh(async_client, stolen["refresh_token"])
    assert reused.status_code == 401
    assert 'error="invalid_token"' in reused.headers["www-authenticate"]
    assert "already used" in reused.json()["detail"]
    newest = await refresh(async_client, rotated["refresh_token"])
    assert newest.status_code == 401, "the thief's or the client's newest token dies too"

    family = claims_of(stolen["refresh_token"])["fam"]
    rows = await refresh_rows(app)
    assert {row.family for row in rows if row.revoked_at is not None} == {family}
    assert sum(row.family == family for row in rows) == 2
    assert ("refresh_reused", {"family": family}) in await events(app)
    assert (await refresh(async_client, other["refresh_token"])).status_code == 200


async def test_revoke_ends_the_sign_in(app: App, async_client: AsyncTestClient) -> None:
    """``/token/revoke`` revokes the family; a token that is not valid gets the same answer."""
    await make_user(app)
    pair = await obtain(async_client)
    response = await async_client.post(
        "/api/auth/token/revoke", json={"token": pair["refresh_token"]}
    )
    assert response.status_code == 200
    assert (await refresh(async_client, pair["refresh_token"])).status_code == 401
    junk = await async_client.post("/api/auth/token/revoke", json={"token": "not-a-token"})
    assert junk.status_code == 200
    assert junk.json() == response.json()
    family = claims_of(pair["refresh_token"])["fam"]
    assert [e for e in await events(app) if e[0] == "token_revoked"] == [
        ("token_revoked", {"family": family})
    ]


async def test_sign_out_everywhere_voids_refresh_and_access_tokens(
    app: App, async_client: AsyncTestClient
) -> None:
    """A new security stamp ends every token made before it."""
    await make_user(app)
    pair = await obtain(async_client)
    other = await obtain(async_client)
    response = await async_client.post(
        "/api/auth/sign-out-everywhere", headers=bearer(pair["access_token"])
    )
    assert response.status_code == 200
    assert (await refresh(async_client, other["refresh_token"])).status_code == 401
    stale = await async_client.get("/private", headers=bearer(other["access_token"]))
    assert stale.status_code == 401
    fresh = await obtain(async_client)
    assert (await async_client.get("/private", headers=bearer(fresh["access_token"]))).is_success


async def test_tokens_of_a_disabled_or_deleted_account_stop_working(
    app: App, async_client: AsyncTestClient
) -> None:
    """The account is loaded for every token: disabled or deleted, its tokens fail."""
    user = await make_user(app)
    pair = await obtain(async_client)
    auth = app.component(Auth)
    assert auth is not None
    async with auth.database.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    assert (
        await async_client.get("/private", headers=bearer(pair["access_token"]))
    ).status_code == 401
    assert (await refresh(async_client, pair["refresh_token"])).status_code == 401
    async with auth.database.transaction() as session:
        await session.delete(await session.get(User, user.id))
    assert await refresh_rows(app) == [], "the rows go with the account"
    assert (
        await async_client.get("/private", headers=bearer(pair["access_token"]))
    ).status_code == 401


async def test_purge_expired_deletes_only_expired_rows(
    app: App, async_client: AsyncTestClient
) -> None:
    """``purge_expired`` deletes refresh tokens past their expiry and keeps the others."""
    await make_user(app)
    kept = await obtain(async_client)
    gone = await obtain(async_client)
    auth = app.component(Auth)
    assert auth is not None
    gone_jti = claims_of(gone["refresh_token"])["jti"]
    async with auth.database.transaction() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.jti == gone_jti)
            .values(expires_at=RefreshToken.issued_at)
        )
    assert await jwt_tokens(app).purge_expired() == 1
    assert [row.jti for row in await refresh_rows(app)] == [claims_of(kept["refresh_token"])["jti"]]


# -- scopes ---------------------------------------------------------------------------------


async def test_scoped_tokens_are_held_to_their_scopes(
    app: App, async_client: AsyncTestClient
) -> None:
    """A token asked for with a scope opens routes of that scope only; without, every one."""
    await make_user(app)
    scoped = await obtain(async_client, scope="posts:read posts:read")
    assert claims_of(scoped["access_token"])["scope"] == "posts:read"
    assert (await async_client.get("/read", headers=bearer(scoped["access_token"]))).is_success
    refused = await async_client.get("/write", headers=bearer(scoped["access_token"]))
    assert refused.status_code == 403
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    full = await obtain(async_client)
    assert (await async_client.get("/write", headers=bearer(full["access_token"]))).is_success
    bad = await async_client.post(
        "/api/auth/token",
        json={"email": "ada@example.com", "password": PASSWORD, "scope": 'posts:"write"'},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "scope"]


# -- keys -----------------------------------------------------------------------------------


async def test_key_rotation_keeps_old_tokens_while_their_key_is_configured(
    make_auth_app: AppFactory,
) -> None:
    """A token of the old ``kid`` verifies while that key is listed, not once it is removed."""
    before = add_routes(make_auth_app(isolated=False, jwt_keys={"old": Secret(KEY_OLD)}))
    async with AsyncTestClient(before) as client:
        await make_user(before)
        old = await obtain(client)
    assert jwt.get_unverified_header(old["access_token"])["kid"] == "old"

    both = {"old": Secret(KEY_OLD), "new": Secret(KEY_NEW)}
    during = add_routes(make_auth_app(isolated=False, jwt_keys=both, jwt_signing_kid="new"))
    async with AsyncTestClient(during) as client:
        assert (await client.get("/private", headers=bearer(old["access_token"]))).is_success
        rotated = (await refresh(client, old["refresh_token"])).json()
    assert jwt.get_unverified_header(rotated["access_token"])["kid"] == "new"

    after = add_routes(make_auth_app(isolated=False, jwt_keys={"new": Secret(KEY_NEW)}))
    async with AsyncTestClient(after) as client:
        refused = await client.get("/private", headers=bearer(old["access_token"]))
        assert refused.status_code == 401
        assert "key this app does not know" in refused.json()["detail"]
        assert (await client.get("/private", headers=bearer(rotated["access_token"]))).is_success


async def test_forged_tokens_are_refused(make_auth_app: AppFactory) -> None:
    """A tampered payload, ``alg: none``, a wrong key or another algorithm get 401."""
    app = add_routes(make_auth_app(jwt_keys={"k1": Secret(KEY_OLD)}))
    async with AsyncTestClient(app) as client:
        await make_user(app)
        token = (await obtain(client))["access_token"]
        head, payload, signature = token.split(".")
        claims = claims_of(token)
        forged = {
            "tampered": f"{head}.{b64({**claims, 'sub': str(int(claims['sub']) + 1)})}.{signature}",
            "alg none": f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{payload}.",
            "wrong key": resign(token, KEY_NEW, kid="k1"),
            "HS512": resign(token, KEY_OLD * 2, kid="k1", algorithm="HS512"),
            "no kid": jwt.encode(claims, KEY_OLD, algorithm="HS256"),
            "cut": token[:-3],
        }
        for name, value in forged.items():
            response = await client.get("/private", headers=bearer(value))
            assert response.status_code == 401, name
            assert 'error="invalid_token"' in response.headers["www-authenticate"], name
        assert (await client.get("/private", headers=bearer(token))).is_success


ODD_CLAIMS: list[tuple[str, Any]] = [
    ("sub", "²"),  # str.isdigit() accepts it, int() does not
    ("sub", "9" * 19),  # past a signed 64-bit id
    ("sub", "0"),
    ("sub", 1),
    ("jti", "\x00" * 22),
    ("jti", "short"),
    ("fam", None),  # None: the claim is left out
    ("scope", ["posts:read"]),
    ("typ", "id"),
    ("exp", "soon"),
]


async def test_odd_claims_under_a_good_signature_are_refused(make_auth_app: AppFactory) -> None:
    """Claims the app never writes are refused with 401 even when the signature is good
    (a leaked key must not turn into odd database queries or a 500)."""
    app = add_routes(make_auth_app(jwt_keys={"k1": Secret(KEY_OLD)}))
    async with AsyncTestClient(app) as client:
        await make_user(app)
        pair = await obtain(client)
        for claim, value in ODD_CLAIMS:
            for token in (pair["access_token"], pair["refresh_token"]):
                claims = claims_of(token)
                if value is None:
                    del claims[claim]
                else:
                    claims[claim] = value
                odd = jwt.encode(claims, KEY_OLD, algorithm="HS256", headers={"kid": "k1"})
                used = await client.get("/private", headers=bearer(odd))
                assert used.status_code == 401, (claim, value)
                assert (await refresh(client, odd)).status_code == 401, (claim, value)
        assert (await refresh(client, pair["refresh_token"])).is_success


def pem_keys(algorithm: str) -> tuple[str, str]:
    """A fresh private key of ``algorithm``'s kind and its public key, in PEM."""
    private: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_asymmetric_keys_sign_and_public_keys_verify(
    make_auth_app: AppFactory, algorithm: str
) -> None:
    """With a private key, tokens are signed by it; an older key given as a public key
    still verifies; an HMAC token made with the public key is refused."""
    private_pem, public_pem = pem_keys(algorithm)
    retired_private, retired_public = pem_keys(algorithm)
    app = add_routes(
        make_auth_app(
            jwt_algorithm=algorithm,
            jwt_keys={"current": Secret(private_pem), "retired": Secret(retired_public)},
            jwt_signing_kid="current",
            jwt_issuer="https://shop.example",
            jwt_audience="shop-api",
        )
    )
    async with AsyncTestClient(app) as client:
        await make_user(app)
        pair = await obtain(client)
        assert jwt.get_unverified_header(pair["access_token"])["alg"] == algorithm
        claims = jwt.decode(
            pair["access_token"], public_pem, algorithms=[algorithm], audience="shop-api"
        )
        assert claims["iss"] == "https://shop.example"
        assert (await client.get("/private", headers=bearer(pair["access_token"]))).is_success
        old = resign(pair["access_token"], retired_private, kid="retired", algorithm=algorithm)
        assert (await client.get("/private", headers=bearer(old))).is_success
        confused = (
            f"{b64({'alg': 'HS256', 'kid': 'current'})}.{pair['access_token'].split('.')[1]}.x"
        )
        assert (await client.get("/private", headers=bearer(confused))).status_code == 401
        no_audience = resign(
            pair["access_token"], private_pem, kid="current", algorithm=algorithm, aud="other"
        )
        assert (await client.get("/private", headers=bearer(no_audience))).status_code == 401
        assert (await refresh(client, pair["refresh_token"])).is_success


async def test_token_scheme_carries_jwts(make_auth_app: AppFactory) -> None:
    """With ``header_scheme="Token"`` (RealWorld), tokens are sent and announced as ``Token``."""
    app = add_routes(make_auth_app(header_scheme="Token"))
    async with AsyncTestClient(app) as client:
        await make_user(app)
        pair = await obtain(client)
        assert pair["token_type"] == "Token"
        ok = await client.get("/private", headers=bearer(pair["access_token"], "Token"))
        assert ok.status_code == 200
        assert ok.json()["method"] == "jwt"
        ignored = await client.get("/private", headers=bearer(pair["access_token"]))
        assert ignored.status_code == 401, "another scheme is not read"
        bad = await client.get("/private", headers=bearer(pair["access_token"] + "x", "Token"))
        assert bad.headers["www-authenticate"].startswith(
            'Token realm="api", error="invalid_token"'
        )


async def test_jwt_off_serves_no_token_routes(make_auth_app: AppFactory) -> None:
    """``jwt=False`` removes the JWT endpoints and ignores JWTs."""
    app = add_routes(make_auth_app(jwt=False))
    async with AsyncTestClient(app) as client:
        await make_user(app)
        response = await client.post(
            "/api/auth/token", json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert response.status_code == 404
    assert not any(isinstance(a, JWTTokens) for a in app.component(Auth).authenticators)  # type: ignore[union-attr]


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"jwt_keys": {"k": Secret("short")}}, "too short for HS256"),
        ({"jwt_keys": {"k": Secret("x" * 40)}, "jwt_algorithm": "HS512"}, "too short for HS512"),
        ({"jwt_keys": {"a": Secret("x" * 40), "b": Secret("y" * 40)}}, "jwt_signing_kid"),
        ({"jwt_keys": {"a": Secret("x" * 40)}, "jwt_signing_kid": "b"}, "is not a key"),
        ({"jwt_signing_kid": "b"}, "which is not set"),
        ({"jwt_keys": {}}, "is empty"),
        ({"jwt_keys": {"a b": Secret("x" * 40)}}, "key id"),
        ({"jwt_algorithm": "RS256"}, "private key"),
        ({"jwt_algorithm": "ES256", "jwt_keys": {"a": Secret("x" * 40)}}, "PEM key"),
        ({"jwt_access_ttl": 0}, "jwt_access_ttl"),
        ({"jwt_access_ttl": 3600, "jwt_refresh_ttl": 3600}, "jwt_refresh_ttl"),
        ({"jwt_issuer": " "}, "jwt_issuer"),
        ({"api_token_prefix": "sch"}, "api_token_prefix"),
        ({"api_token_prefix": "a.b_"}, "api_token_prefix"),
    ],
)
def test_bad_token_settings_are_refused(options: dict[str, Any], message: str) -> None:
    """Each bad token option is refused with a message naming it."""
    with pytest.raises(ImproperlyConfigured, match=message):
        AuthConfig(**options)


def test_token_settings_are_read_from_the_environment() -> None:
    """``AUTH_JWT_KEYS`` is JSON of key ids to secrets (kept as ``Secret``)."""
    config = AuthConfig.from_env(
        environ={
            "AUTH_JWT_KEYS": json.dumps({"2025-01": KEY_OLD, "2025-06": KEY_NEW}),
            "AUTH_JWT_SIGNING_KID": "2025-06",
            "AUTH_JWT_ACCESS_TTL": "300",
        }
    )
    assert config.jwt_keys == {"2025-01": Secret(KEY_OLD), "2025-06": Secret(KEY_NEW)}
    assert config.jwt_signing_kid == "2025-06"
    assert config.jwt_access_ttl == 300


@pytest.mark.parametrize(
    ("kind", "message"),
    [("public", "must be a private key"), ("small", "2048 bits"), ("curve", "secp256r1")],
)
def test_bad_asymmetric_keys_are_refused_at_setup(
    make_auth_app: AppFactory, kind: str, message: str
) -> None:
    """A public signing key, a short RSA key or an EC key on another curve stop the app."""
    algorithm = "ES256" if kind == "curve" else "RS256"
    if kind == "public":
        pem = pem_keys("RS256")[1]
    else:
        key: Any = (
            ec.generate_private_key(ec.SECP384R1())
            if kind == "curve"
            else rsa.generate_private_key(public_exponent=65537, key_size=1024)
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    with pytest.raises(ImproperlyConfigured, match=message):
        make_auth_app(jwt_algorithm=algorithm, jwt_keys={"k": Secret(pem)})
