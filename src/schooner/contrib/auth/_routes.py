"""The guard plan: each route's requirements, read once from its metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schooner.contrib.auth._guards import Requirement
from schooner.types import Scope

if TYPE_CHECKING:
    from schooner.routing import RouteInfo, RouteTable

__all__ = ["GuardPlan", "combine"]


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
