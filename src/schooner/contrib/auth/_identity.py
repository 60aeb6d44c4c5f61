"""Who is making a request: the ``Identity``, and the ``CurrentUser``/``OptionalUser`` types.

A request is identified once, on first need (a guard, or a handler asking for the user),
and the answer is kept in the scope. Two ways in, tried in this order:

* an ``Authorization: <scheme> <token>`` header (``Bearer`` by default), read by the
  token authenticators the app has (JWT access tokens, personal API tokens);
* the session: the user's id and a keyed hash of the user's *security stamp*. Changing the
  stamp (a new password, "sign out everywhere") voids every session made before.

An anonymous request gets an ``Identity`` whose ``user`` is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeAlias, runtime_checkable

from schooner.contrib.auth._models import AbstractUser, User
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Session
from schooner.di import Inject
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.auth._component import Auth

__all__ = [
    "AUTH_KEY",
    "IDENTITY_KEY",
    "CurrentUser",
    "HeaderAuthenticator",
    "Identity",
    "Method",
    "OptionalUser",
    "SecondFactor",
    "auth_of",
    "current_identity",
    "current_user",
    "optional_user",
]

AUTH_KEY = "schooner.auth"
"""Where the auth middleware puts the ``Auth`` component in the scope."""

IDENTITY_KEY = "schooner.auth.identity"
"""Where the request's :class:`Identity` is kept once known."""

Method = Literal["session", "jwt", "token"]


@dataclass(slots=True)
class Identity:
    """The result of identifying a request.

    Attributes:
        user: the signed-in user, loaded outside the handler's database session; ``None``
            for an anonymous request. Handlers get it attached to their own session through
            ``CurrentUser``.
        method: how: ``"session"``, ``"jwt"`` or ``"token"`` (a personal API token).
        scopes: what a token allows (``None``: everything the user may do, as a session).
        token_id: the API token or refresh-token family used, for auditing.
    """

    user: AbstractUser | None = None
    method: Method | None = None
    scopes: frozenset[str] | None = None
    token_id: str | None = None
    permissions: frozenset[str] | None = field(default=None, repr=False)

    @property
    def is_authenticated(self) -> bool:
        """Whether a user is signed in."""
        return self.user is not None

    def allows_scope(self, scope: str) -> bool:
        """Whether the credentials allow ``scope`` (sessions allow every scope)."""
        return self.scopes is None or scope in self.scopes


@runtime_checkable
class HeaderAuthenticator(Protocol):
    """Reads one kind of token from ``Authorization`` headers (JWT, API tokens).

    ``authenticate`` returns ``None`` when the token is not its kind, so that the next
    authenticator may try; it raises ``InvalidToken`` when the token is its kind but
    forged, expired or revoked.
    """

    async def authenticate(self, token: str, db: AsyncSession) -> Identity | None:
        """The identity ``token`` proves, ``None`` if it is not this authenticator's."""
        ...


@runtime_checkable
class SecondFactor(Protocol):
    """A second sign-in factor (TOTP, passkeys): asked for after the password when the
    user has enrolled it."""

    name: str

    async def enrolled(self, user: AbstractUser, db: AsyncSession) -> bool:
        """Whether ``user`` has set this factor up."""
        ...


def auth_of(request: Request) -> Auth:
    """The app's ``Auth`` component, which its middleware put in the scope.

    Raises:
        ImproperlyConfigured: the app has no ``Auth`` component.
    """
    found: Any = request.scope.get(AUTH_KEY)
    if found is None:
        from schooner.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "This route asks for the current user, but the app has no Auth component: add "
            "Auth() to App(components=[...])."
        )
    auth: Auth = found
    return auth


async def current_identity(request: Request, session: Session) -> Identity:
    """The request's :class:`Identity` (anonymous or not); identifies it on first use.

    It depends on the session (``session`` is unused here but declared): a route that reads
    the user reads a cookie credential, so the CSRF battery protects it like any session
    route.
    """
    return await auth_of(request).identify(request)


async def optional_user(
    request: Request, db: AsyncSession, session: Session
) -> AbstractUser | None:
    """The signed-in user, in the handler's database session, or ``None``."""
    identity = await auth_of(request).identify(request)
    if identity.user is None:
        return None
    # The user was loaded by the identification step, outside this session: attach that
    # copy without a second query (merge with load=False is for exactly this).
    return await db.merge(identity.user, load=False)


async def current_user(request: Request, db: AsyncSession, session: Session) -> AbstractUser:
    """The signed-in user, in the handler's database session.

    Raises:
        NotAuthenticated: nobody is signed in (401, with ``WWW-Authenticate``).
    """
    user = await optional_user(request, db, session)
    if user is None:
        raise auth_of(request).not_authenticated()
    return user


CurrentUser: TypeAlias = Annotated[User, Inject(current_user)]
"""The signed-in ``User``; a request without one is answered 401 (or redirected to the
login page, for a browser on a page guarded by ``login_required``). With your own user
model, declare ``CurrentMember = Annotated[Member, Inject(current_user)]``."""

OptionalUser: TypeAlias = Annotated[User | None, Inject(optional_user)]
"""The signed-in ``User``, or ``None`` for an anonymous request."""
