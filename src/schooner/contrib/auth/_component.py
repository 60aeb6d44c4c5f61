"""The ``Auth`` component: accounts, sign-in, guards and the current user."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from schooner.contrib.auth._accounts import Accounts, accounts_provider
from schooner.contrib.auth._api import api_router
from schooner.contrib.auth._audit import AuditLog
from schooner.contrib.auth._cli import users_commands
from schooner.contrib.auth._config import AuthConfig, AuthOptions
from schooner.contrib.auth._guards import Authorization
from schooner.contrib.auth._identity import (
    HeaderAuthenticator,
    Identity,
    SecondFactor,
    current_identity,
    current_user,
    optional_user,
)
from schooner.contrib.auth._links import LinkSigner
from schooner.contrib.auth._mailing import AccountMail
from schooner.contrib.auth._mfa import setup_mfa
from schooner.contrib.auth._middleware import AuthMiddleware
from schooner.contrib.auth._models import (
    USER_TABLE,
    AbstractUser,
    User,
)
from schooner.contrib.auth._pages import pages_router
from schooner.contrib.auth._passwords import PasswordHasher
from schooner.contrib.auth._permissions import sync_permissions
from schooner.contrib.auth._routes import GuardPlan, ObjectRule
from schooner.contrib.auth._signin import Identification
from schooner.contrib.auth._throttle import LoginThrottle
from schooner.contrib.auth._tokens import install_tokens
from schooner.contrib.auth._validators import DEFAULT_VALIDATORS, PasswordValidator
from schooner.contrib.auth.exceptions import (
    AuthError,
    EmailNotVerified,
    InvalidCredentials,
    InvalidToken,
    NotAuthenticated,
    PasswordRejected,
)
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database
from schooner.contrib.ratelimit import RateLimit, RateLimiter
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.exceptions import HTTPException, ImproperlyConfigured, ValidationError
from schooner.http import ProblemResponse, Request, Response
from schooner.middleware import Middleware
from schooner.openapi import OperationDocs

if TYPE_CHECKING:
    from schooner.app import App
    from schooner.routing import RouteInfo

__all__ = ["Auth"]

logger = logging.getLogger("schooner.auth")


class Auth(Identification, Authorization, AccountMail):
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
        """Add the middleware, the providers, the build hook and ``schooner users``."""
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
        self._audit = AuditLog(self._database, limiter.client_address, self.run_later)
        self._keys = self._secret_keys(app)
        self._links = LinkSigner(self._keys)
        app.on_build(self.plan.build)
        app.on_shutdown(self.drain_mail)
        app.add_command(users_commands(self))
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
        install_tokens(self, app, self._keys)  # JWT and API tokens, as the config says
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

    async def template_context(self, request: Request) -> Mapping[str, object]:
        """Template helpers: ``current_user()``, the signed-in user or ``None``.

        A request with neither a session cookie nor an ``Authorization`` header is
        anonymous without any work; otherwise the request is identified (once, shared with
        the handler), which makes the page depend on the cookie (``Vary: Cookie``).
        """
        user: AbstractUser | None = None
        sessions = self.app.component(Sessions)
        cookie = sessions.config.cookie_name if sessions is not None else "session"
        if cookie in request.cookies or "authorization" in request.headers:
            try:
                user = (await self.identify(request)).user
            except NotAuthenticated:
                user = None

        def current_user() -> AbstractUser | None:
            return user

        return {"current_user": current_user}

    def migration_folders(self) -> Mapping[str, Path]:
        """The battery's migrations (branch ``auth``), applied by ``schooner db migrate``
        with the project's (the ``MigrationFolders`` protocol of the migrations battery)."""
        return {"auth": Path(__file__).parent / "migrations"}

    async def after_migrate(self, database: Database) -> None:
        """Store the permissions of new models once ``schooner db migrate`` has brought the
        account database up to date (the ``AfterMigrate`` protocol of the migrations
        battery): :func:`~schooner.contrib.auth.sync_permissions`, idempotent."""
        if database.alias == self.database.alias:
            await sync_permissions(database, self)

    def template_folders(self) -> list[Path]:
        """The battery's pages and mail templates (``auth/...``), which yours override."""
        return [Path(__file__).parent / "templates"]

    def add_second_factor(self, factor: SecondFactor) -> None:
        """Ask for ``factor`` after the password when a user has enrolled it."""
        self.second_factors.append(factor)

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
