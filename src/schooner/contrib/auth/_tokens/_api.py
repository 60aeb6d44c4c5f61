"""The token endpoints of the JSON API: JWT pairs and personal API tokens.

Under ``api_prefix`` (``/api/auth``), route names in the ``auth-api`` namespace:

=========================  =================  =============================================
``POST /token``            ``token_obtain``   e-mail + password -> access + refresh token
``POST /token/refresh``    ``token_refresh``  refresh token -> a new pair (rotation)
``POST /token/revoke``     ``token_revoke``   end the sign-in of a refresh/access token
``GET /tokens``            ``token_list``     the caller's personal API tokens
``POST /tokens``           ``token_create``   make one (the token is in this answer only)
``DELETE /tokens/{id}``    ``token_delete``   revoke one
=========================  =================  =============================================

The first three take their credential in the body, not in a cookie, so they are not
session routes (a script needs no CSRF token to sign in); the last three need a signed-in
caller — a session, a JWT or an API token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from schooner.contrib.auth._accounts import Accounts
from schooner.contrib.auth._identity import Identity, auth_of, current_user
from schooner.contrib.auth._models import AbstractUser
from schooner.contrib.auth._routes import login_required
from schooner.contrib.auth._tokens._api_tokens import (
    MAX_LIFETIME_DAYS,
    MAX_NAME_LENGTH,
    ApiToken,
    ApiTokens,
)
from schooner.contrib.auth._tokens._jwt import JWTTokens, TokenPair, normalize_scope
from schooner.contrib.auth._tokens._jwt_keys import JWTKeys
from schooner.contrib.auth.exceptions import InvalidToken, PermissionDenied
from schooner.contrib.orm import AsyncSession
from schooner.di import Inject
from schooner.exceptions import HTTPException, NotFound, ValidationError
from schooner.http import Request
from schooner.routing import Router

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.contrib.auth._component import Auth

__all__ = ["install_tokens", "token_router"]

User = Annotated[AbstractUser, Inject(current_user)]

# RFC 6749 §5.1: an answer that holds a token must not be stored by any cache.
_NO_STORE = {"Cache-Control": "no-store"}


# RFC 6749 §3.3 scope tokens (printable ASCII but space, '"' and '\\'), in the schema so
# that clients see the rule in the OpenAPI document.
_SCOPE_TOKEN = r"[!#-\[\]-~]{1,100}"
_SCOPE_LIST = rf"^{_SCOPE_TOKEN}( {_SCOPE_TOKEN})*$"
_Scope = Annotated[str, msgspec.Meta(pattern=rf"^{_SCOPE_TOKEN}$")]


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    """E-mail and password, and optionally the scopes to limit the tokens to."""

    email: Annotated[str, msgspec.Meta(max_length=254)]
    password: Annotated[str, msgspec.Meta(max_length=4096)]
    scope: Annotated[str, msgspec.Meta(max_length=2000, pattern=_SCOPE_LIST)] | None = None


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A refresh token, to trade for a new pair."""

    refresh_token: Annotated[str, msgspec.Meta(max_length=4096)]


class RevokeRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A refresh or access token whose sign-in ends (RFC 7009's ``token``)."""

    token: Annotated[str, msgspec.Meta(max_length=4096)]


class ApiTokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A new personal API token: a name, scopes (all the caller's when omitted, for a
    signed-in session) and a lifetime in days (none: it does not expire)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]
    scopes: Annotated[list[_Scope], msgspec.Meta(max_length=50)] | None = None
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_LIFETIME_DAYS)] | None = None


class ApiTokenInfo(msgspec.Struct, kw_only=True):
    """A personal API token as lists show it: never the secret."""

    id: int
    name: str
    prefix: str
    scopes: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken, prefix: str) -> ApiTokenInfo:
        """The public view of ``row`` (``prefix``: the configured token prefix)."""
        return cls(**_info_fields(row, prefix))


class NewApiTokenInfo(ApiTokenInfo, kw_only=True):
    """A token just made, with the token itself: shown in this answer only."""

    token: str


class Revoked(msgspec.Struct):
    """The answer of ``/token/revoke``."""

    detail: str


def _info_fields(row: ApiToken, prefix: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": prefix + row.prefix,
        "scopes": row.scopes,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
    }


def install_tokens(auth: Auth, app: App, secret_keys: list[str]) -> None:
    """Set up what ``auth.config`` turns on: the JWT and API-token authenticators, their
    services (injected by type: ``JWTTokens``, ``ApiTokens``) and the token routes.

    Args:
        auth: the ``Auth`` component being set up.
        app: its app.
        secret_keys: the app's secret keys, newest first (the default JWT key is derived
            from them).
    """
    config = auth.config
    if config.jwt:
        jwt_tokens = JWTTokens(auth, JWTKeys.from_config(config, secret_keys))
        auth.add_authenticator(jwt_tokens)
        app.provide(JWTTokens, _constant(jwt_tokens), scope="app")
    if config.api_tokens:
        api_tokens = ApiTokens(auth, prefix=config.api_token_prefix)
        auth.add_authenticator(api_tokens)
        app.provide(ApiTokens, _constant(api_tokens), scope="app")
    if config.api and (config.jwt or config.api_tokens):
        app.include(token_router(auth), prefix=config.api_prefix, namespace="auth-api")


def _constant(value: Any) -> Any:
    def provider() -> Any:
        return value

    return provider


def token_router(auth: Auth) -> Router:
    """The token routes ``auth.config`` turns on (names in the ``auth-api`` namespace)."""
    router = Router(tags=["tokens"])
    if auth.config.jwt:
        _jwt_routes(router)
    if auth.config.api_tokens:
        _api_token_routes(router)
    return router


def _jwt_routes(router: Router) -> None:
    @router.post(
        "/token",
        name="token_obtain",
        headers=_NO_STORE,
        responses={
            400: "The e-mail address or the password is incorrect.",
            403: "The address is not verified, or the account has a second factor.",
            429: "Too many failed sign-ins for this account or address.",
        },
    )
    async def obtain(
        body: TokenRequest, request: Request, db: AsyncSession, tokens: JWTTokens
    ) -> TokenPair:
        """Sign in with e-mail and password for an access token and a refresh token.

        The sign-in throttle, the audit trail and the verified-address rule apply as for
        ``/login``. An account with a second factor enrolled is refused (403,
        ``code: "mfa_required"``): second factors over the token endpoint are out of scope;
        such users sign in through the pages or ``/login`` and make a personal API token.
        """
        scope = None if body.scope is None else _clean_scope(body.scope, "scope")
        auth = auth_of(request)
        # Accounts is built here rather than injected: its provider declares the session,
        # which would make this a cookie route that asks scripts for a CSRF token.
        accounts = Accounts(auth, request, db)
        user = await accounts.authenticate(body.email, body.password)
        for factor in auth.second_factors:
            if await factor.enrolled(user, db):
                raise HTTPException(
                    403,
                    "This account has a second factor, which the token endpoint cannot take. "
                    "Sign in on the site, or use a personal API token.",
                    extra={"code": "mfa_required"},
                )
        user.last_login = datetime.now(UTC)
        await auth.audit.record("login", request=request, session=db, user=user, method="jwt")
        return await tokens.issue(user, db, scope=scope)

    @router.post(
        "/token/refresh",
        name="token_refresh",
        headers=_NO_STORE,
        responses={401: "The refresh token is not valid, expired, revoked or already used."},
    )
    async def refresh(body: RefreshRequest, request: Request, tokens: JWTTokens) -> TokenPair:
        """Trade a refresh token for a new pair; the refresh token is then used up.

        A used refresh token presented again revokes every token of its sign-in (it has
        leaked) and answers 401, like any refresh token that is not valid.
        """
        try:
            return await tokens.refresh(body.refresh_token, request=request)
        except InvalidToken as exc:
            raise auth_of(request).not_authenticated(str(exc), error="invalid_token") from None

    @router.post("/token/revoke", name="token_revoke")
    async def revoke(body: RevokeRequest, request: Request, tokens: JWTTokens) -> Revoked:
        """End the sign-in a refresh (or access) token belongs to: its refresh tokens stop
        working now, its access tokens when they expire. Answers the same for a token
        that is not valid (RFC 7009 §2.2)."""
        await tokens.revoke(body.token, request=request)
        return Revoked(detail="The token is revoked.")


def _api_token_routes(router: Router) -> None:
    @router.get("/tokens", name="token_list", meta=[login_required])
    async def list_tokens(user: User, db: AsyncSession, tokens: ApiTokens) -> list[ApiTokenInfo]:
        """The caller's personal API tokens (never their secrets), oldest first."""
        return [ApiTokenInfo.of(row, tokens.prefix) for row in await tokens.list_for(db, user)]

    @router.post(
        "/tokens",
        name="token_create",
        headers=_NO_STORE,
        status_code=201,
        meta=[login_required],
        responses={403: "A scoped token asked for scopes it does not have."},
    )
    async def create_token(
        body: ApiTokenRequest,
        request: Request,
        user: User,
        identity: Identity,
        db: AsyncSession,
        tokens: ApiTokens,
    ) -> NewApiTokenInfo:
        """Make a personal API token; the answer is the only time it is shown.

        A caller signed in with a scoped token can only make tokens with some of its own
        scopes (listed explicitly).
        """
        scopes = None if body.scopes is None else _clean_scope(body.scopes, "scopes").split()
        _check_within(request, identity, scopes)
        try:
            new = await tokens.create(
                db, user, name=body.name, scopes=scopes, expires_in_days=body.expires_in_days
            )
        except ValueError as exc:  # a name of spaces only
            raise ValidationError(
                [{"loc": ["body", "name"], "msg": str(exc), "type": "value_error"}]
            ) from None
        await auth_of(request).audit.record(
            "token_created",
            request=request,
            session=db,
            user=user,
            token=new.api_token.id,
            name=new.api_token.name,
        )
        return NewApiTokenInfo(**_info_fields(new.api_token, tokens.prefix), token=new.token)

    @router.delete(
        "/tokens/{token_id:int}",
        name="token_delete",
        status_code=204,
        meta=[login_required],
        responses={404: "The caller has no such API token."},
    )
    async def delete_token(
        token_id: int, request: Request, user: User, db: AsyncSession, tokens: ApiTokens
    ) -> None:
        """Revoke one of the caller's personal API tokens (it stops working at once)."""
        if not await tokens.revoke(db, user, token_id):
            raise NotFound("You have no such API token.")
        await auth_of(request).audit.record(
            "token_revoked", request=request, session=db, user=user, token=token_id
        )


def _clean_scope(scope: str | list[str], field: str) -> str:
    try:
        return normalize_scope(scope)
    except ValueError as exc:
        raise ValidationError([{"loc": ["body", field], "msg": str(exc), "type": "value_error"}])


def _check_within(request: Request, identity: Identity, scopes: list[str] | None) -> None:
    """A scoped caller (a token) may only hand out scopes it has itself."""
    if identity.scopes is None:
        return
    lacking = None if scopes is None else [s for s in scopes if s not in identity.scopes]
    if lacking is None or lacking:
        challenge = f'{auth_of(request).config.header_scheme} error="insufficient_scope"'
        if lacking:
            challenge += f', scope="{" ".join(lacking)}"'
        own = " ".join(sorted(identity.scopes)) or "none"
        raise PermissionDenied(
            f"This token has the scopes {own}; it can only make tokens with some of them, "
            "listed in 'scopes'.",
            headers={"WWW-Authenticate": challenge},
        )
