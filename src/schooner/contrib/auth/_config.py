"""``AuthConfig``: every option of the ``Auth`` component, validated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, Literal, TypedDict

from schooner.contrib._config import ComponentConfig
from schooner.contrib.auth._permissions import check_permission
from schooner.exceptions import ImproperlyConfigured

__all__ = ["AuthConfig", "AuthOptions", "HeaderScheme"]

HeaderScheme = Literal["Bearer", "Token"]
"""How API clients send a token: ``Authorization: Bearer <token>`` (RFC 6750, the default)
or ``Authorization: Token <token>`` (the RealWorld API's scheme)."""

_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)+")


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
