"""``AuthConfig``: every option of the ``Auth`` component, validated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, Literal, TypedDict

from schooner.config import Secret
from schooner.contrib._config import ComponentConfig
from schooner.contrib.auth._permissions import check_permission
from schooner.exceptions import ImproperlyConfigured

__all__ = ["AuthConfig", "AuthOptions", "HeaderScheme", "JWTAlgorithm"]

HeaderScheme = Literal["Bearer", "Token"]
"""How API clients send a token: ``Authorization: Bearer <token>`` (RFC 6750, the default)
or ``Authorization: Token <token>`` (the RealWorld API's scheme)."""

JWTAlgorithm = Literal["HS256", "HS384", "HS512", "RS256", "ES256"]
"""How JWTs are signed: HMAC with a shared secret (``HS*``), or RSA / ECDSA P-256 with a
private key in PEM (``RS256``, ``ES256``; these need the ``cryptography`` package)."""

_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)+")
_KID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_TOKEN_PREFIX = re.compile(r"[A-Za-z0-9]{1,12}_")
# RFC 7518 §3.2: an HMAC key is at least as long as the hash output.
_HMAC_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


class AuthConfig(ComponentConfig, frozen=True, kw_only=True):
    """Where the account pages live and how strict sign-in is.

    Every field is also an option of ``Auth``; as a settings block it is the
    ``[schooner.auth]`` table, and ``from_env()`` reads ``AUTH_<FIELD>`` variables.

    Attributes:
        prefix: where the account pages are mounted (``/accounts/login`` …).
        api_prefix: where the JSON API is mounted (``/api/auth/login`` …).
        pages: serve the server-rendered pages (needs the templates, forms and CSRF
            batteries).
        api: serve the JSON API.
        registration: anyone may sign up; ``False`` leaves account creation to staff and
            the ``schooner users create`` command.
        require_verified_email: refuse to sign in an account whose e-mail address was
            never verified (the default: an unverified account may belong to someone who
            typed another person's address).
        login_redirect: where a page sends a user after signing in, without ``next``.
        logout_redirect: where a page sends a user after signing out.
        header_scheme: ``"Bearer"`` or ``"Token"`` in ``Authorization`` headers.
        verification_max_age: seconds an e-mail verification link stays valid.
        reset_max_age: seconds a password-reset link stays valid.
        account_limits: failed sign-ins allowed per account; each window is a step of the
            growing lockout (``"5/15 minutes;10/hour;20/day"``).
        address_limits: failed sign-ins allowed per client address.
        link_base: where links in mail point, when a front end of its own serves the
            account pages (``https://app.example.com/account``): links are
            ``<link_base>/verify-email/<token>`` and so on. By default they point to this
            app's pages (the mail setting ``base_url`` + ``prefix``).
        user_model: the account model (a model on ``auth_user`` built from
            ``AbstractUser``); the battery's ``User`` when unset. Set in code.
        permissions: permissions of your own, beyond each model's view/add/change/delete,
            as ``(label, codename, name)``: ``[("blog", "publish_post", "Can publish
            posts")]``. ``schooner users sync-permissions`` stores them (a model's
            ``__permissions__`` attribute declares them next to the model instead).
        mfa: offer second factors, authenticator-app codes (TOTP) and passkeys
            (WebAuthn): their routes, the security page, and the second step of sign-in
            for users who enrolled one.
        totp_issuer: the name authenticator apps show next to the code; the relying
            party's name, else the site's host name, when unset.
        webauthn_rp_id: the passkeys' relying-party id: the site's domain
            (``example.com``), which passkeys are bound to for good. Required in
            production; in development the request's host name.
        webauthn_rp_name: the name browsers show when creating a passkey; the rp id when
            unset.
        webauthn_origins: the origins the browser pages run on
            (``https://example.com``, ``https://www.example.com``); each must be the rp
            id or a subdomain of it. ``https://<rp id>`` when unset (in development, the
            request's own origin).
        jwt: accept JWT access tokens in ``Authorization`` headers and serve
            ``POST <api_prefix>/token`` (e-mail and password for an access and a refresh
            token), ``/token/refresh`` and ``/token/revoke``.
        api_tokens: accept personal API tokens (``sch_…``) and serve ``<api_prefix>/tokens``
            to create, list and revoke them.
        jwt_access_ttl: seconds an access token is valid. It is checked without the
            database, so revoking its refresh token does not end it early; keep it short.
            A new password or "sign out everywhere" does end it.
        jwt_refresh_ttl: seconds a refresh token is valid; each refresh gives a new one
            valid this long, so a client in use stays signed in.
        jwt_algorithm: ``"HS256"`` (the default), ``"HS384"``, ``"HS512"``, ``"RS256"`` or
            ``"ES256"``, for every key.
        jwt_keys: signing keys by key id (``kid``): secrets of at least 32/48/64 bytes for
            ``HS256``/``HS384``/``HS512``, PEM keys for ``RS256``/``ES256`` (a private key
            for the key that signs; a public key is enough for one that only verifies).
            A token verifies while its ``kid`` is listed, so rotate by adding a new key,
            signing with it, and removing the old one once its tokens have expired. Unset:
            one ``HS256`` key (``kid`` ``"default"``) derived from the app's secret key.
        jwt_signing_kid: the key of ``jwt_keys`` that signs new tokens; needed when there
            are several.
        jwt_issuer: the ``iss`` claim set and required (your site's URL, say).
        jwt_audience: the ``aud`` claim set and required.
        api_token_prefix: the start of every personal API token (``"sch_"``): letters and
            digits, then ``_``. It tells the tokens apart from JWTs and lets secret
            scanners find leaked ones.
    """

    env_prefix: ClassVar[str] = "AUTH_"

    prefix: str = "/accounts"
    api_prefix: str = "/api/auth"
    pages: bool = True
    api: bool = True
    registration: bool = True
    require_verified_email: bool = True
    login_redirect: str = "/"
    logout_redirect: str = "/"
    header_scheme: HeaderScheme = "Bearer"
    verification_max_age: int = 3 * 24 * 3600
    reset_max_age: int = 3600
    account_limits: str = "5/15 minutes;10/hour;20/day"
    address_limits: str = "30/minute;300/hour"
    link_base: str | None = None
    user_model: Any = None

    # -- permissions (sync_permissions, the users command) --------------------------------
    permissions: tuple[tuple[str, str, str], ...] = ()
    # -- second factors (TOTP, passkeys) ----------------------------------------------------
    mfa: bool = True
    totp_issuer: str | None = None
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str | None = None
    webauthn_origins: list[str] = []  # noqa: RUF012 - msgspec copies empty defaults

    # -- tokens: JWT access and refresh tokens, personal API tokens -------------------------
    jwt: bool = True
    api_tokens: bool = True
    jwt_access_ttl: int = 900
    jwt_refresh_ttl: int = 14 * 24 * 3600
    jwt_algorithm: JWTAlgorithm = "HS256"
    jwt_keys: dict[str, Secret] | None = None
    jwt_signing_kid: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    api_token_prefix: str = "sch_"

    def __post_init__(self) -> None:
        for label, value in (("prefix", self.prefix), ("api_prefix", self.api_prefix)):
            if not _PREFIX.fullmatch(value):
                raise ImproperlyConfigured(
                    f"Auth: {label} {value!r} must be a path such as '/accounts': it starts "
                    "with '/' and does not end with one."
                )
        for label, value in (
            ("login_redirect", self.login_redirect),
            ("logout_redirect", self.logout_redirect),
        ):
            if not value.startswith("/") or value.startswith("//"):
                raise ImproperlyConfigured(
                    f"Auth: {label} {value!r} must be a path on this site, such as '/'."
                )
        for label, seconds in (
            ("verification_max_age", self.verification_max_age),
            ("reset_max_age", self.reset_max_age),
        ):
            if seconds <= 0:
                raise ImproperlyConfigured(f"Auth: {label} must be a number of seconds above 0.")
        if self.link_base is not None and not re.fullmatch(
            r"https?://[^/\s?#]+(/[^\s?#]*)?", self.link_base
        ):
            raise ImproperlyConfigured(
                f"Auth: link_base {self.link_base!r} is not an absolute http(s) address."
            )
        for label, limit in (
            ("account_limits", self.account_limits),
            ("address_limits", self.address_limits),
        ):
            _check_limits(label, limit)
        _check_permissions(self.permissions)
        _check_webauthn(self.webauthn_rp_id, self.webauthn_origins)
        _check_tokens(self)


_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(\.{_LABEL})*")
_ORIGIN = re.compile(r"(?P<scheme>https?)://(?P<host>[^/:\s?#]+)(:(?P<port>[0-9]{1,5}))?")


def _check_webauthn(rp_id: str | None, origins: list[str]) -> None:
    """A passkey is bound to its rp id, and a browser only accepts an rp id that is the
    page's host or a parent domain of it (WebAuthn Level 3, §5.1.3 step 8)."""
    if rp_id is not None and not _HOST.fullmatch(rp_id):
        raise ImproperlyConfigured(
            f"Auth: webauthn_rp_id {rp_id!r} must be a domain name such as 'example.com' "
            "(lower case, no scheme, port or path)."
        )
    for origin in origins:
        found = _ORIGIN.fullmatch(origin)
        if found is None:
            raise ImproperlyConfigured(
                f"Auth: webauthn_origins entry {origin!r} must be an origin such as "
                "'https://example.com' (scheme, host and maybe a port; no path)."
            )
        host = found.group("host")
        if rp_id is not None and host != rp_id and not host.endswith("." + rp_id):
            raise ImproperlyConfigured(
                f"Auth: the origin {origin!r} is not on {rp_id!r}: browsers refuse passkeys "
                "for an rp id that is not the page's domain or a parent of it."
            )


def _check_limits(label: str, limit: str) -> None:
    from limits import parse_many

    try:
        parse_many(limit)
    except ValueError:
        raise ImproperlyConfigured(
            f"Auth: {label} {limit!r} is not a list of limits such as '5/15 minutes;20/day'."
        ) from None


def _check_permissions(permissions: Any) -> None:
    if isinstance(permissions, str | bytes) or not isinstance(permissions, list | tuple):
        raise ImproperlyConfigured(
            "Auth: permissions is a list of (label, codename, name) triples, such as "
            "[('blog', 'publish_post', 'Can publish posts')]."
        )
    seen: set[tuple[str, str]] = set()
    for item in permissions:
        if not isinstance(item, list | tuple) or len(item) != 3:
            raise ImproperlyConfigured(
                f"Auth: the permission {item!r} is not a (label, codename, name) triple, such "
                "as ('blog', 'publish_post', 'Can publish posts')."
            )
        label, codename, name = item
        check_permission(label, codename, name, where="Auth(permissions=...)")
        if (label, codename) in seen:
            raise ImproperlyConfigured(
                f"Auth: the permission {label}.{codename} is listed twice in permissions."
            )
        seen.add((label, codename))


def _check_tokens(config: AuthConfig) -> None:
    """The token fields: lifetimes, keys, claims and the API token prefix."""
    if config.jwt_access_ttl <= 0 or config.jwt_refresh_ttl <= config.jwt_access_ttl:
        raise ImproperlyConfigured(
            "Auth: jwt_access_ttl must be a number of seconds above 0, and jwt_refresh_ttl "
            f"longer than it (got {config.jwt_access_ttl} and {config.jwt_refresh_ttl})."
        )
    for label, claim in (("jwt_issuer", config.jwt_issuer), ("jwt_audience", config.jwt_audience)):
        if claim is not None and not claim.strip():
            raise ImproperlyConfigured(f"Auth: {label} must be a non-empty string or None.")
    if not _TOKEN_PREFIX.fullmatch(config.api_token_prefix):
        raise ImproperlyConfigured(
            f"Auth: api_token_prefix {config.api_token_prefix!r} must be 1 to 12 letters or "
            "digits followed by '_', such as 'sch_'."
        )
    _check_jwt_keys(config.jwt_algorithm, config.jwt_keys, config.jwt_signing_kid)


def _check_jwt_keys(algorithm: str, keys: dict[str, Secret] | None, signing: str | None) -> None:
    if keys is None:
        if algorithm not in _HMAC_KEY_BYTES:
            raise ImproperlyConfigured(
                f"Auth: jwt_algorithm {algorithm!r} signs with a private key: give it in "
                "jwt_keys, e.g. jwt_keys={'2025-01': Secret(<PEM text>)}."
            )
        if signing is not None:
            raise ImproperlyConfigured(
                f"Auth: jwt_signing_kid {signing!r} names a key of jwt_keys, which is not set."
            )
        return
    if not keys:
        raise ImproperlyConfigured("Auth: jwt_keys is empty; leave it unset or give a key.")
    for kid, secret in keys.items():
        if not _KID.fullmatch(kid):
            raise ImproperlyConfigured(
                f"Auth: jwt_keys has the key id {kid!r}; use 1 to 64 letters, digits, '.', "
                "'_' or '-' (a date such as '2025-01' works well)."
            )
        if not isinstance(secret, Secret):
            raise ImproperlyConfigured(f"Auth: jwt_keys[{kid!r}] must be a Secret.")
        value = secret.get_secret_value()
        minimum = _HMAC_KEY_BYTES.get(algorithm)
        if minimum is not None and len(value.encode()) < minimum:
            raise ImproperlyConfigured(
                f"Auth: jwt_keys[{kid!r}] is too short for {algorithm}: use at least "
                f"{minimum} bytes (python -c 'import secrets; print(secrets.token_urlsafe"
                f"({minimum}))')."
            )
        if minimum is None and "-----BEGIN " not in value:
            raise ImproperlyConfigured(
                f"Auth: jwt_keys[{kid!r}] must be a PEM key ('-----BEGIN PRIVATE KEY-----…') "
                f"for {algorithm}."
            )
    if signing is None and len(keys) > 1:
        raise ImproperlyConfigured(
            f"Auth: jwt_keys has {len(keys)} keys; say which one signs new tokens with "
            "jwt_signing_kid."
        )
    if signing is not None and signing not in keys:
        raise ImproperlyConfigured(
            f"Auth: jwt_signing_kid {signing!r} is not a key of jwt_keys "
            f"({', '.join(sorted(keys))})."
        )


class AuthOptions(TypedDict, total=False):
    """The keyword options of ``Auth(...)``: the fields of :class:`AuthConfig`."""

    prefix: str
    api_prefix: str
    pages: bool
    api: bool
    registration: bool
    require_verified_email: bool
    login_redirect: str
    logout_redirect: str
    header_scheme: HeaderScheme
    verification_max_age: int
    reset_max_age: int
    account_limits: str
    address_limits: str
    link_base: str | None
    user_model: Any
    permissions: Sequence[tuple[str, str, str]]
    mfa: bool
    totp_issuer: str | None
    webauthn_rp_id: str | None
    webauthn_rp_name: str | None
    webauthn_origins: list[str]
    jwt: bool
    api_tokens: bool
    jwt_access_ttl: int
    jwt_refresh_ttl: int
    jwt_algorithm: JWTAlgorithm
    jwt_keys: dict[str, Secret] | None
    jwt_signing_kid: str | None
    jwt_issuer: str | None
    jwt_audience: str | None
    api_token_prefix: str
