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

from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.contrib.auth._models import AbstractUser

__all__ = [
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
