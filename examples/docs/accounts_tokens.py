"""Tokens for API clients: JWT access and refresh tokens, personal API tokens, scopes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
import httpx

from schooner import App, Router
from schooner.config import Secret
from schooner.contrib.auth import Auth, AuthConfig, CurrentUser, JWTTokens, scope_required
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database, DatabaseConfig
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent


# --8<-- [start:setup]
def create_app(config: AuthConfig | None = None) -> App:
    """A shop whose API clients sign in with tokens (and whose browsers use sessions)."""
    auth = Auth(config=config) if config else Auth(pages=False, header_scheme="Token")
    app = App(
        components=[
            Database(config=DatabaseConfig.from_env()),
            Sessions(),
            Templates(HERE / "accounts_templates"),
            Mail("console", default_from="Shop <noreply@shop.example>"),
            auth,
        ]
    )
    app.include(shop)
    app.add_command(purge_tokens_command(auth))
    return app


# --8<-- [end:setup]


# --8<-- [start:routes]
shop = Router()


@shop.get("/orders", meta=[scope_required("orders:read")])
async def orders(user: CurrentUser) -> dict[str, Any]:
    """A session, or a token that carries orders:read."""
    return {"customer": user.email, "orders": []}


@shop.post("/orders", meta=[scope_required("orders:write")])
async def place_order(user: CurrentUser) -> dict[str, str]:
    """A session, or a token that carries orders:write: a read-only token gets a 403."""
    return {"customer": user.email, "status": "placed"}


# --8<-- [end:routes]


# --8<-- [start:client]
class ShopClient:
    """An API client: signs in once, sends the access token, refreshes it when it runs out.

    ``http`` is any httpx client pointed at the site (``httpx.Client(base_url=...)``, or
    the test client in tests).
    """

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.pair: dict[str, Any] = {}

    def sign_in(self, email: str, password: str, scope: str | None = None) -> None:
        """Trade the password for an access and a refresh token (``scope`` limits both)."""
        body = {"email": email, "password": password, "scope": scope}
        answer = self.http.post("/api/auth/token", json=body)
        answer.raise_for_status()
        self.pair = answer.json()

    def refresh(self) -> None:
        """Trade the refresh token for a new pair; the old refresh token is used up."""
        answer = self.http.post(
            "/api/auth/token/refresh", json={"refresh_token": self.pair["refresh_token"]}
        )
        answer.raise_for_status()  # 401: revoked, expired or used before: sign in again
        self.pair = answer.json()  # keep the NEW refresh token

    def get(self, path: str) -> httpx.Response:
        """GET ``path`` with the access token; after a 401, refresh once and retry."""
        answer = self.http.get(path, headers=self._authorization())
        if answer.status_code == 401:  # the access token expired (15 minutes)
            self.refresh()
            answer = self.http.get(path, headers=self._authorization())
        return answer

    def sign_out(self) -> None:
        """End this sign-in: its refresh tokens stop working at once."""
        self.http.post("/api/auth/token/revoke", json={"token": self.pair["refresh_token"]})
        self.pair = {}

    def _authorization(self) -> dict[str, str]:
        # token_type is the app's header_scheme: "Token" here, "Bearer" by default.
        return {"Authorization": f"{self.pair['token_type']} {self.pair['access_token']}"}


# --8<-- [end:client]


# --8<-- [start:keys]
def es256_config(folder: Path) -> AuthConfig:
    """ES256 keys from PEM files named by key id (keys/2025-01.pem, keys/2025-07.pem):
    the newest signs, the others still verify the tokens they signed."""
    keys = {path.stem: Secret(path.read_text()) for path in folder.glob("*.pem")}
    return AuthConfig(
        pages=False,
        jwt_algorithm="ES256",
        jwt_keys=keys,
        jwt_signing_kid=max(keys),
        jwt_issuer="https://shop.example",
    )


# --8<-- [end:keys]


# --8<-- [start:purge]
def purge_tokens_command(auth: Auth) -> click.Command:
    """``schooner purge-tokens``: run it daily (cron, a systemd timer, a CronJob)."""

    @click.command("purge-tokens")
    def purge_tokens() -> None:
        """Delete the refresh tokens that have expired."""
        jwt = next(a for a in auth.authenticators if isinstance(a, JWTTokens))

        async def purge() -> int:
            async with auth.database.running():
                return await jwt.purge_expired()

        click.echo(f"{asyncio.run(purge())} expired refresh tokens deleted")

    return purge_tokens


# --8<-- [end:purge]

app = create_app()
