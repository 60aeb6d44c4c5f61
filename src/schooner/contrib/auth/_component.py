"""The ``Auth`` component: accounts, sign-in, guards and the current user."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import select, union

from schooner.contrib.auth._accounts import Accounts, accounts_provider
from schooner.contrib.auth._api import api_router
from schooner.contrib.auth._audit import AuditLog
from schooner.contrib.auth._config import AuthConfig, AuthOptions
from schooner.contrib.auth._guards import ObjectRule, Requirement
from schooner.contrib.auth._identity import (
    IDENTITY_KEY,
    HeaderAuthenticator,
    Identity,
    SecondFactor,
    current_identity,
    current_user,
    optional_user,
)
from schooner.contrib.auth._links import LinkSigner
from schooner.contrib.auth._mfa import setup_mfa
from schooner.contrib.auth._middleware import AuthMiddleware
from schooner.contrib.auth._models import (
    USER_TABLE,
    AbstractUser,
    Permission,
    User,
    group_permissions,
    user_groups,
    user_permissions,
)
from schooner.contrib.auth._pages import pages_router
from schooner.contrib.auth._passwords import PasswordHasher
from schooner.contrib.auth._routes import GuardPlan
from schooner.contrib.auth._throttle import LoginThrottle
from schooner.contrib.auth._validators import DEFAULT_VALIDATORS, PasswordValidator
from schooner.contrib.auth.exceptions import (
    AuthError,
    EmailNotVerified,
    InvalidCredentials,
    InvalidToken,
    NotAuthenticated,
    PasswordRejected,
    PermissionDenied,
)
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database
from schooner.contrib.ratelimit import RateLimit, RateLimiter
from schooner.contrib.sessions import Sessions, get_session
from schooner.contrib.templates import Templates
from schooner.exceptions import HTTPException, ImproperlyConfigured, ValidationError
from schooner.http import ProblemResponse, Request, Response
from schooner.middleware import Middleware
from schooner.openapi import OperationDocs

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.routing import RouteInfo

__all__ = ["SESSION_HASH", "SESSION_USER", "Auth"]

logger = logging.getLogger("schooner.auth")

SESSION_USER = "_auth_user_id"
"""The session key holding the signed-in user's id."""
SESSION_HASH = "_auth_user_hash"
"""The session key holding a keyed hash of the user's security stamp."""


_LINK_PATHS = {
    "verify_email": "/verify-email/{token}",
    "password_reset": "/password-reset",
    "password_reset_confirm": "/password-reset/{token}",
    "email_change_confirm": "/email-change/{token}",
}


class Auth:
    """Accounts as a component: ``App(components=[Database(), Sessions(), Auth()])``.

    Needs the database and sessions batteries listed before it. Handlers ask for the user
    by type (``user: CurrentUser``, ``user: OptionalUser``); routes declare what they need
    as metadata (``meta=[login_required]``). Failed sign-ins are throttled through the
    ``RateLimit`` component's storage when the app has one (Redis: shared by every
    instance), else through a private in-memory limiter.

    Args:
        config: every option at once, e.g. a block of the project's settings.
        hasher: the password hasher (argon2id with the documented parameters by default).
        validators: the password rules for new passwords.
        object_rules: functions granting a permission on one object ("the author may
            change their post"), see :data:`~schooner.contrib.auth.ObjectRule`.
        **options: fields of :class:`AuthConfig`, which win over ``config``.

    Raises:
        ImproperlyConfigured: an option is unknown or invalid.
    """

    name = "auth"

    def __init__(
        self,
        *,
        config: AuthConfig | None = None,
        hasher: PasswordHasher | None = None,
        validators: Sequence[PasswordValidator] | None = None,
        object_rules: Iterable[ObjectRule] = (),
        **options: Unpack[AuthOptions],
    ) -> None:
        self.config = AuthConfig.build(config, dict(options), owner="Auth")
        model = self.config.user_model or User
        if not (isinstance(model, type) and issubclass(model, AbstractUser)):
            raise ImproperlyConfigured(
                f"Auth: user_model {model!r} must be a model class built from AbstractUser."
            )
        if getattr(model, "__tablename__", None) != USER_TABLE:
            raise ImproperlyConfigured(
                f"Auth: user_model {model.__name__} must use the table '{USER_TABLE}' "
                f"(__tablename__ = '{USER_TABLE}'): every account table refers to it."
            )
        self.user_model: type[AbstractUser] = model
        self.hasher = hasher or PasswordHasher()
        self.validators: list[PasswordValidator] = list(
            DEFAULT_VALIDATORS if validators is None else validators
        )
        self.object_rules: list[ObjectRule] = list(object_rules)
        self.authenticators: list[HeaderAuthenticator] = []
        self.second_factors: list[SecondFactor] = []
        self._mail: Mail | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self.plan = GuardPlan()
        self._app: App | None = None
        self._keys: list[str] = []
        self._database: Database | None = None
        self._links: LinkSigner | None = None
        self._throttle: LoginThrottle | None = None
        self._audit: AuditLog | None = None

    def __repr__(self) -> str:
        return f"Auth(prefix={self.config.prefix!r}, api_prefix={self.config.api_prefix!r})"

    # -- setup ----------------------------------------------------------------------------

    def setup(self, app: App) -> None:
        """Add the middleware, the providers and the build hook."""
        self._app = app
        self._database = app.require(Database, by=self)
        app.require(Sessions, by=self)
        ratelimit = app.component(RateLimit)
        if ratelimit is not None:
            limiter = ratelimit.limiter
        else:
            limiter = RateLimiter()
            app.on_shutdown(limiter.aclose)
            if app.settings.is_production:
                logger.warning(
                    "Auth: sign-in throttling counts in this process only. Add "
                    "RateLimit(storage='redis://…') before Auth() to share the counters "
                    "between instances."
                )
        self._throttle = LoginThrottle(
            limiter,
            account_limits=self.config.account_limits,
            address_limits=self.config.address_limits,
        )
        self._audit = AuditLog(self._database, limiter.client_address)
        self._keys = self._secret_keys(app)
        self._links = LinkSigner(self._keys)
        app.on_build(self.plan.build)
        app.add_middleware(
            Middleware(AuthMiddleware, auth=self, name="AuthMiddleware"),
            after="SessionMiddleware",
        )
        app.provide(Identity, current_identity)
        app.provide(Auth, self._provide, scope="app")
        app.provide(Accounts, accounts_provider)
        for kind in (InvalidCredentials, EmailNotVerified, InvalidToken, PasswordRejected):
            app.add_exception_handler(kind, _answer_auth_error, replace=False)
        if self.config.api:
            app.include(
                api_router(registration=self.config.registration),
                prefix=self.config.api_prefix,
                namespace="auth-api",
            )
        self._mail = app.component(Mail)
        if self._mail is None and (self.config.api or self.config.pages):
            raise ImproperlyConfigured(
                "Auth() sends verification and reset links by mail: add Mail() before Auth() "
                "in App(components=[...]) (Mail(backend='console') prints them, for "
                "development), or pass Auth(api=False, pages=False)."
            )
        if self._mail is not None:
            self._check_mail(app, self._mail)
        if self._mail is not None:
            # Account mail is rendered from templates (and the pages need them too).
            app.require(Templates, by=self)
        if self.config.pages:
            # The pages draw forms with the forms macros and post them: CSRF must guard them.
            app.require(Forms, by=self)
            app.require(CSRF, by=self)
            app.include(pages_router(self), prefix=self.config.prefix, namespace="auth")
        if self.config.mfa:
            setup_mfa(app, self, keys=self._keys)

    def _provide(self) -> Auth:
        return self

    def _check_mail(self, app: App, mail: Mail) -> None:
        """Account mail needs a sender and absolute links: required in production,
        development defaults (with a warning) otherwise."""
        mailer = mail.mailer
        missing = []
        if mailer.default_from is None:
            missing.append("default_from (MAIL_DEFAULT_FROM=Site <noreply@example.com>)")
        if mailer.base_url is None and self.config.link_base is None:
            missing.append("base_url (MAIL_BASE_URL=https://example.com)")
        if not missing:
            return
        if app.settings.is_production:
            raise ImproperlyConfigured(
                "Auth sends account mail, which needs the mail settings " + " and ".join(missing)
            )
        if mailer.default_from is None:
            mailer.default_from = "webmaster@localhost"
        if mailer.base_url is None:
            mailer.base_url = "http://127.0.0.1:8000"
        logger.warning(
            "Account mail uses development defaults for: %s. Set them before deploying.",
            ", ".join(missing),
        )

    def template_folders(self) -> list[Path]:
        """The battery's pages and mail templates (``auth/...``), which yours override."""
        return [Path(__file__).parent / "templates"]

    def add_second_factor(self, factor: SecondFactor) -> None:
        """Ask for ``factor`` after the password when a user has enrolled it."""
        self.second_factors.append(factor)

    def absolute_url(self, page: str, **params: str) -> str:
        """The absolute address of an account page for a link in mail."""
        path = _LINK_PATHS[page].format(**params)
        if self.config.link_base is not None:
            return self.config.link_base.rstrip("/") + path
        base = self._mail.mailer.base_url if self._mail is not None else None
        return (base or "") + self.config.prefix + path

    def send_mail_later(self, template: str, context: dict[str, Any], *, to: str) -> None:
        """Render and send a mail in the background, after the response.

        The time a response takes then does not depend on whether a mail went out (which
        would tell who has an account). Failures are logged with the traceback.
        """
        if self._mail is None:
            raise ImproperlyConfigured("Auth needs Mail() to send account mail.")
        mailer = self._mail.mailer

        async def deliver() -> None:
            try:
                message = await mailer.render(template, context, to=[to])
                await mailer.send(message)
            except Exception:
                logger.exception("Could not send the account mail %s to %s", template, to)

        task = asyncio.get_running_loop().create_task(deliver())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain_mail(self) -> None:
        """Wait until every mail queued by :meth:`send_mail_later` has been handed to the
        backend (tests, and shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    @property
    def app(self) -> App:
        """The app this component is part of.

        Raises:
            ImproperlyConfigured: not part of an app yet.
        """
        if self._app is None:
            raise ImproperlyConfigured("This Auth() is not part of an app yet.")
        return self._app

    @property
    def database(self) -> Database:
        """The database the account tables live in (the app's first ``Database``)."""
        if self._database is None:
            raise ImproperlyConfigured("This Auth() is not part of an app yet.")
        return self._database

    @property
    def links(self) -> LinkSigner:
        """Makes and reads verification, reset and e-mail-change links."""
        if self._links is None:
            raise ImproperlyConfigured("This Auth() is not part of an app yet.")
        return self._links

    @property
    def throttle(self) -> LoginThrottle:
        """The sign-in throttle."""
        if self._throttle is None:
            raise ImproperlyConfigured("This Auth() is not part of an app yet.")
        return self._throttle

    @property
    def audit(self) -> AuditLog:
        """The account event log."""
        if self._audit is None:
            raise ImproperlyConfigured("This Auth() is not part of an app yet.")
        return self._audit

    def add_authenticator(self, authenticator: HeaderAuthenticator) -> None:
        """Accept another kind of ``Authorization`` token (JWT, API tokens)."""
        if not isinstance(authenticator, HeaderAuthenticator):
            raise ImproperlyConfigured(
                f"{authenticator!r} is not an authenticator: it needs an async "
                "authenticate(token, db) method."
            )
        self.authenticators.append(authenticator)

    def _secret_keys(self, app: App) -> list[str]:
        settings = app.settings
        keys = [settings.secret_key.get_secret_value()]
        keys += [k.get_secret_value() for k in settings.secret_key_fallbacks]
        keys = [k for k in keys if k]
        if keys:
            return keys
        if settings.is_production:  # settings.check() refuses this first; be sure anyway
            raise ImproperlyConfigured("Auth needs SCHOONER_SECRET_KEY in production.")
        return [secrets.token_urlsafe(48)]

    # -- identification ---------------------------------------------------------------------

    async def identify(self, request: Request) -> Identity:
        """Who makes ``request``, worked out once per request.

        Raises:
            NotAuthenticated: an ``Authorization`` token of this app's scheme is not valid
                (forged, expired, revoked).
        """
        scope = request.scope
        found: Identity | None = scope.get(IDENTITY_KEY)
        if found is None:
            found = await self._identify(request)
            scope[IDENTITY_KEY] = found
        return found

    async def _identify(self, request: Request) -> Identity:
        header = request.headers.get("authorization")
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() == self.config.header_scheme.lower():
                return await self._from_token(token.strip())
        return await self._from_session(request)

    async def _from_token(self, token: str) -> Identity:
        if token:
            async with self.database.sessionmaker()() as db:
                for authenticator in self.authenticators:
                    try:
                        identity = await authenticator.authenticate(token, db)
                    except InvalidToken as exc:
                        raise self.not_authenticated(str(exc), error="invalid_token") from None
                    if identity is not None:
                        if identity.user is None or not identity.user.is_active:
                            break
                        return identity
        raise self.not_authenticated("The access token is not valid.", error="invalid_token")

    async def _from_session(self, request: Request) -> Identity:
        session = await get_session(request)
        user_id = session.get(SESSION_USER)
        if user_id is None:
            return Identity()
        async with self.database.sessionmaker()() as db:
            user = await db.get(self.user_model, user_id)
        stored = session.get(SESSION_HASH)
        if (
            user is None
            or not user.is_active
            or not isinstance(stored, str)
            or not any(
                hmac.compare_digest(stored, self.session_hash(user, key)) for key in self._keys
            )
        ):
            # Deleted, disabled, or signed out everywhere since: this session is over.
            session.pop(SESSION_USER, None)
            session.pop(SESSION_HASH, None)
            return Identity()
        return Identity(user=user, method="session")

    def session_hash(self, user: AbstractUser, key: str | None = None) -> str:
        """The keyed hash of ``user``'s security stamp that a session carries."""
        secret = (key or self._keys[0]).encode()
        message = f"schooner.auth.session|{user.id}|{user.security_stamp}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    # -- sessions ---------------------------------------------------------------------------

    async def start_session(self, request: Request, user: AbstractUser) -> None:
        """Sign ``user`` in on this browser: a new session id (against session fixation),
        the user's id and stamp hash in it, and this request's identity updated."""
        session = await get_session(request)
        keep = {k: v for k, v in session.items() if not k.startswith("_auth")}
        session.clear()
        session.regenerate()
        session.update(keep)
        session[SESSION_USER] = user.id
        session[SESSION_HASH] = self.session_hash(user)
        request.scope[IDENTITY_KEY] = Identity(user=user, method="session")

    async def end_session(self, request: Request) -> None:
        """Sign out of this browser: the session is deleted on the server and its cookie
        cleared, whatever it held."""
        session = await get_session(request)
        session.invalidate()
        request.scope[IDENTITY_KEY] = Identity()

    # -- guards -----------------------------------------------------------------------------

    def not_authenticated(
        self, detail: str = "Authentication required.", *, error: str | None = None
    ) -> NotAuthenticated:
        """A 401 with the ``WWW-Authenticate`` challenge of this app's scheme (RFC 6750)."""
        challenge = f'{self.config.header_scheme} realm="api"'
        if error is not None:
            challenge += f', error="{error}"'
        return NotAuthenticated(detail, headers={"WWW-Authenticate": challenge})

    async def enforce(self, request: Request, requirement: Requirement) -> Identity:
        """Check ``requirement`` for ``request``; the identity when it holds.

        Raises:
            NotAuthenticated: nobody is signed in.
            PermissionDenied: the user is not staff, lacks a permission, or the token lacks
                a scope.
        """
        identity = await self.identify(request)
        user = identity.user
        if user is None:
            raise self.not_authenticated()
        if requirement.staff and not user.is_staff:
            raise PermissionDenied("This page is for staff only.")
        missing = [s for s in requirement.scopes if not identity.allows_scope(s)]
        if missing:
            challenge = (
                f'{self.config.header_scheme} error="insufficient_scope", '
                f'scope="{" ".join(missing)}"'
            )
            raise PermissionDenied(
                f"The token lacks the scope {', '.join(missing)}.",
                headers={"WWW-Authenticate": challenge},
            )
        for permission in requirement.permissions:
            if not await self.has_perm(identity, permission):
                raise PermissionDenied()
        return identity

    async def permissions_of(self, identity: Identity) -> frozenset[str]:
        """Every permission name the identity's user has, directly or through groups."""
        user = identity.user
        if user is None or not user.is_active:
            return frozenset()
        if identity.permissions is None:
            direct = select(user_permissions.c.permission_id).where(
                user_permissions.c.user_id == user.id
            )
            grouped = (
                select(group_permissions.c.permission_id)
                .join(user_groups, user_groups.c.group_id == group_permissions.c.group_id)
                .where(user_groups.c.user_id == user.id)
            )
            ids = union(direct, grouped).subquery()
            query = select(Permission.label, Permission.codename).where(
                Permission.id.in_(select(ids.c.permission_id))
            )
            async with self.database.sessionmaker()() as db:
                rows = (await db.execute(query)).all()
            identity.permissions = frozenset(f"{label}.{code}" for label, code in rows)
        return identity.permissions

    async def has_perm(self, identity: Identity, permission: str, obj: Any = None) -> bool:
        """Whether the identity's user has ``permission`` (on ``obj``, when given).

        Superusers have every permission; inactive users none. With ``obj``, a model-wide
        permission is enough, and so is any object rule that grants it.
        """
        user = identity.user
        if user is None or not user.is_active:
            return False
        if user.is_superuser:
            return True
        if permission in await self.permissions_of(identity):
            return True
        if obj is not None:
            for rule in self.object_rules:
                granted = rule(user, permission, obj)
                if not isinstance(granted, bool):
                    granted = await granted
                if granted:
                    return True
        return False

    # -- redirects --------------------------------------------------------------------------

    def login_url(self, *, next_url: str | None = None) -> str:
        """The login page's path, with ``next`` when it is a safe local path."""
        url = self.config.prefix + "/login"
        if next_url and self.is_safe_next(next_url):
            url += "?next=" + quote(next_url, safe="")
        return url

    @staticmethod
    def is_safe_next(target: str | None) -> bool:
        """Whether ``target`` is a path on this site: ``/page?x=1`` is, ``//evil.com``,
        ``/\\evil.com``, ``/%2F%2Fevil.com``, ``https://evil.com`` and ``javascript:…`` are not."""
        if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
            return False
        if any(ord(c) < 32 or c == "\\" for c in target):
            return False
        if unquote(target).startswith(("//", "/\\")):
            # "/%2F%2Fevil.com" turns into "//evil.com" wherever the path is decoded again
            # (a proxy, a later redirect): refused like the plain form.
            return False
        parts = urlsplit(target)
        return not parts.scheme and not parts.netloc

    def next_or_default(self, target: str | None) -> str:
        """``target`` when it is safe, else ``login_redirect``."""
        return target if target and self.is_safe_next(target) else self.config.login_redirect

    # -- OpenAPI ----------------------------------------------------------------------------

    def document_operation(self, route: RouteInfo, method: str) -> OperationDocs | None:
        """Security and 401/403 for guarded routes and routes that need the user."""
        requirement = self.plan.of(route)
        needs_user = requirement is not None or route.depends_on(current_user)
        if not needs_user and not route.depends_on(optional_user, current_identity):
            return None
        bearer = {"type": "http", "scheme": "bearer"}
        if self.config.header_scheme == "Token":
            bearer = {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Authorization: Token <token>",
            }
        scopes = list(requirement.scopes) if requirement is not None else []
        security = [("session", _session_scheme(self), []), ("token", bearer, scopes)]
        responses: dict[int, str] = {}
        if needs_user:
            responses[401] = "Not signed in, or the token is not valid."
        if requirement is not None and (
            requirement.staff or requirement.permissions or requirement.scopes
        ):
            responses[403] = f"Signed in, but this needs {requirement.describe()}."
        return OperationDocs(security=security if needs_user else [], responses=responses)


def _session_scheme(auth: Auth) -> dict[str, Any]:
    sessions = auth.app.component(Sessions)
    name = sessions.config.cookie_name if sessions is not None else "session"
    return {"type": "apiKey", "in": "cookie", "name": name}


def _answer_auth_error(request: Request, exc: Exception) -> Response:
    """The API's answer to an account error that a handler let through."""
    error: HTTPException
    if isinstance(exc, PasswordRejected):
        error = ValidationError(
            [{"loc": ["body", "password"], "msg": m, "type": "password"} for m in exc.messages]
        )
    elif isinstance(exc, EmailNotVerified):
        error = HTTPException(403, str(exc), extra={"code": "email_not_verified"})
    elif isinstance(exc, InvalidCredentials):
        error = HTTPException(400, str(exc), extra={"code": "invalid_credentials"})
    else:
        assert isinstance(exc, AuthError)
        error = HTTPException(400, str(exc), extra={"code": "invalid_token"})
    return ProblemResponse(error.to_problem(), error.status_code, error.headers)
