"""Route requirements as typed metadata: who may call a route.

::

    @app.get("/dashboard", meta=[login_required])
    @app.post("/posts/{id:int}/publish", meta=[permission_required("blog.publish_post")])
    admin = Router(prefix="/staff", meta=[staff_required])

The ``Auth`` component reads them once, when the app is built, into a plan; its middleware
checks them before the handler runs. A browser asking for a page is sent to the login page
(with a ``next`` link back); an API client gets ``401``/``403`` problem documents with
``WWW-Authenticate``. Every requirement on the route and its routers must hold.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import select, union

from schooner.contrib.auth._config import AuthConfig
from schooner.contrib.auth._identity import Identity
from schooner.contrib.auth._models import (
    AbstractUser,
    Permission,
    group_permissions,
    user_groups,
    user_permissions,
)
from schooner.contrib.auth.exceptions import NotAuthenticated, PermissionDenied
from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.orm import Database

__all__ = [
    "Authorization",
    "ObjectRule",
    "Requirement",
    "login_required",
    "permission_required",
    "scope_required",
    "staff_required",
]

ObjectRule: TypeAlias = Callable[["AbstractUser", str, Any], "bool | Awaitable[bool]"]
"""``(user, permission, obj) -> bool`` (sync or async): grants ``permission`` on ``obj``
to ``user``, e.g. "the author may change their post". Given to ``Auth(object_rules=[...])``."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a route needs from the caller (route metadata); build one with the helpers.

    Attributes:
        staff: the user must be staff (``is_staff``).
        permissions: permission names (``"blog.change_post"``), all required.
        scopes: token scopes an API token must carry (sessions carry every scope).
    """

    staff: bool = False
    permissions: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    def describe(self) -> str:
        """A short phrase for error messages and the docs."""
        parts = ["a signed-in user"]
        if self.staff:
            parts.append("staff")
        parts += self.permissions
        parts += [f"scope {s}" for s in self.scopes]
        return ", ".join(parts)


login_required = Requirement()
"""The route needs a signed-in user."""

staff_required = Requirement(staff=True)
"""The route needs a signed-in staff user (``is_staff``)."""


def permission_required(*permissions: str) -> Requirement:
    """The route needs a user with every one of ``permissions`` (``"label.codename"``).

    Superusers have every permission.

    Raises:
        ImproperlyConfigured: a name is not of the form ``label.codename``.
    """
    if not permissions:
        raise ImproperlyConfigured("permission_required() needs at least one permission name.")
    for name in permissions:
        label, dot, codename = name.partition(".")
        if not (dot and label and codename) or " " in name:
            raise ImproperlyConfigured(
                f"permission_required({name!r}): a permission is named 'label.codename', "
                "e.g. 'blog.change_post'."
            )
    return Requirement(permissions=tuple(permissions))


def scope_required(*scopes: str) -> Requirement:
    """The route needs a signed-in user; an API token must also carry every scope.

    Raises:
        ImproperlyConfigured: no scope, or a scope with spaces.
    """
    if not scopes or any(not s or " " in s for s in scopes):
        raise ImproperlyConfigured(
            "scope_required() needs one or more scope names without spaces, e.g. 'posts:write'."
        )
    return Requirement(scopes=tuple(scopes))


class Authorization:
    """The part of ``Auth`` that checks requirements and permissions (a mixin; ``Auth``
    provides the attributes declared here)."""

    config: AuthConfig
    object_rules: list[ObjectRule]

    if TYPE_CHECKING:

        @property
        def database(self) -> Database:
            """The database of the account tables."""
            ...

        async def identify(self, request: Request) -> Identity:
            """The request's identity."""
            ...

        def not_authenticated(
            self, detail: str = ..., *, error: str | None = None
        ) -> NotAuthenticated:
            """A 401 with this app's challenge."""
            ...

    # -- guards -----------------------------------------------------------------------------

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
