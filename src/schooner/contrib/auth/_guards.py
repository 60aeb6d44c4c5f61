"""Checking a route's requirements and a user's permissions (part of ``Auth``).

The requirements themselves are route metadata, in ``_routes``; this mixin enforces them
for the auth middleware, answers ``has_perm`` (groups, direct permissions, superusers and
object rules), and validates ``next`` targets after sign-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import select, union

from schooner.contrib.auth._config import AuthConfig
from schooner.contrib.auth._identity import Identity
from schooner.contrib.auth._models import (
    Permission,
    group_permissions,
    user_groups,
    user_permissions,
)
from schooner.contrib.auth._routes import ObjectRule, Requirement
from schooner.contrib.auth.exceptions import NotAuthenticated, PermissionDenied
from schooner.http import Request

if TYPE_CHECKING:
    from schooner.contrib.orm import Database

__all__ = ["Authorization"]


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
        ``/\\evil.com``, ``/%2F%2Fevil.com``, ``https://evil.com`` and ``javascript:…`` are
        not."""
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
