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

from schooner.contrib.auth._models import AbstractUser
from schooner.exceptions import ImproperlyConfigured
from schooner.types import Scope

if TYPE_CHECKING:
    from schooner.routing import RouteInfo, RouteTable

__all__ = [
    "GuardPlan",
    "ObjectRule",
    "Requirement",
    "combine",
    "login_required",
    "permission_required",
    "scope_required",
    "staff_required",
]

ObjectRule: TypeAlias = Callable[[AbstractUser, str, Any], bool | Awaitable[bool]]
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


def combine(requirements: tuple[Requirement, ...]) -> Requirement | None:
    """One requirement meaning "all of these" (routers' and the route's own)."""
    if not requirements:
        return None
    permissions: dict[str, None] = {}
    scopes: dict[str, None] = {}
    for item in requirements:
        permissions.update(dict.fromkeys(item.permissions))
        scopes.update(dict.fromkeys(item.scopes))
    return Requirement(
        staff=any(item.staff for item in requirements),
        permissions=tuple(permissions),
        scopes=tuple(scopes),
    )


class GuardPlan:
    """Route -> its combined :class:`Requirement`, built when the app is built."""

    def __init__(self) -> None:
        self.table: RouteTable | None = None
        self.routes: dict[int, Requirement] = {}  # by id(route): RouteInfo is not hashable

    def build(self, table: RouteTable) -> None:
        """Read every route's requirements (the build hook)."""
        self.table = table
        self.routes = {}
        for route in table:
            requirement = combine(route.find_all(Requirement))
            if requirement is not None:
                self.routes[id(route)] = requirement

    def requirement_for(self, scope: Scope) -> Requirement | None:
        """What the route this request goes to needs (``None``: nothing)."""
        if not self.routes or self.table is None:
            return None
        route = self.table.match(scope).route
        return self.routes.get(id(route)) if route is not None else None

    def of(self, route: RouteInfo) -> Requirement | None:
        """The requirement of one route, for the OpenAPI document."""
        return self.routes.get(id(route))
