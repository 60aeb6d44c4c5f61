"""Response-caching route metadata (``cache_response``) and the plan read from it at build time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schooner.exceptions import ImproperlyConfigured
from schooner.routing import RouteTable
from schooner.types import Scope

__all__ = ["CachePlan", "CacheResponse", "cache_response"]


@dataclass(frozen=True, slots=True)
class CacheResponse:
    """Route metadata: store this GET route's responses (made by :func:`cache_response`).

    Attributes:
        ttl: seconds an entry lives (``None``: the cache's ``default_ttl``).
        statuses: the response statuses that may be stored.
    """

    ttl: float | None = None
    statuses: frozenset[int] = frozenset({200})

    def __post_init__(self) -> None:
        if self.ttl is not None and self.ttl <= 0:
            raise ImproperlyConfigured(
                "cache_response(ttl=...) must be a positive number of seconds."
            )


def cache_response(ttl: float | None = None, *, statuses: Iterable[int] = (200,)) -> CacheResponse:
    """Cache a GET route's responses: ``@app.get("/news", meta=[cache_response(ttl=60)])``.

    HEAD requests are answered from the same entries. Needs the ``Cache`` component.

    Args:
        ttl: seconds an entry lives (default: the cache's ``default_ttl``); a shorter
            ``max-age`` or ``s-maxage`` in the response's ``Cache-Control`` wins.
        statuses: the response statuses that may be stored (only 200 by default).
    """
    return CacheResponse(ttl, frozenset(statuses))


class CachePlan:
    """Which routes of one app are cached, decided once when the app is built."""

    def __init__(self) -> None:
        self.table: RouteTable | None = None
        self.per_route: dict[int, CacheResponse] = {}

    def build(self, table: RouteTable) -> None:
        """Read every route's ``CacheResponse`` metadata (the app's build hook)."""
        self.table = table
        self.per_route = {
            id(route): policy for route in table if (policy := route.find(CacheResponse))
        }

    def policy_for(self, scope: Scope) -> CacheResponse | None:
        """The policy of the route the router will send this request to, if it is cached."""
        if not self.per_route or self.table is None:
            return None
        route = self.table.match(scope).route
        return None if route is None else self.per_route.get(id(route))
