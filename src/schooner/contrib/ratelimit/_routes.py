"""Rate-limit route metadata (``rate_limit``, ``rate_limit_exempt``) and the plan read from it."""

from __future__ import annotations

from dataclasses import dataclass

from schooner.contrib.ratelimit._limiter import KeyFunction, parse_limits
from schooner.routing import RouteInfo, RouteTable
from schooner.types import Scope

__all__ = [
    "RateLimitExempt",
    "RateLimitPlan",
    "RateLimitRule",
    "Rule",
    "rate_limit",
    "rate_limit_exempt",
]


@dataclass(frozen=True, slots=True)
class RateLimitRule:
    """Route metadata: a limit of its own for a route (or every route of a router).

    Made by :func:`rate_limit`; a route with its own limits is not subject to the app's
    default. Several rules on one route all apply.
    """

    limit: str
    key: KeyFunction | None = None

    def __post_init__(self) -> None:
        parse_limits(self.limit)  # fail when the route is declared, not on a request


@dataclass(frozen=True, slots=True)
class RateLimitExempt:
    """Route metadata: the app's default limit does not apply (use :data:`rate_limit_exempt`)."""


rate_limit_exempt = RateLimitExempt()
"""Exclude one route from the app's default limit (a health check): ``meta=[rate_limit_exempt]``."""


def rate_limit(limit: str, *, key: KeyFunction | None = None) -> RateLimitRule:
    """Limit one route: ``@app.post("/search", meta=[rate_limit("5/minute")])``.

    List several, or write ``"5/minute;100/day"``, for several limits; on a router
    (``Router(meta=[...])``) each of its routes gets the limit, counted per route. Needs
    the ``RateLimit`` component.

    Args:
        limit: ``"<count>/<period>"`` (``second``, ``minute``, ``hour``, ``day``…), several
            separated by ``;``.
        key: names the client for this limit, ``(request) -> str`` (sync or async); the
            component's key (the client address by default) when ``None``.

    Raises:
        ImproperlyConfigured: ``limit`` is not a valid limit.
    """
    return RateLimitRule(limit, key)


@dataclass(frozen=True, slots=True)
class Rule:
    """One limit as the middleware applies it."""

    limit: str
    key: KeyFunction | None
    bucket: str  # what the counters are shared by: "default" or one route


class RateLimitPlan:
    """The rules of each route of one app, decided once when the app is built.

    Args:
        default: the app-wide limit, for routes without their own.
    """

    def __init__(self, default: str | None) -> None:
        self.default = () if default is None else (Rule(default, None, "default"),)
        self.table: RouteTable | None = None
        self.per_route: dict[int, tuple[Rule, ...]] = {}

    def build(self, table: RouteTable) -> None:
        """Read every route's limits and exemption (the app's build hook)."""
        self.table = table
        self.per_route = {
            id(route): rules for route in table if (rules := _route_rules(route)) is not None
        }

    def rules_for(self, scope: Scope) -> tuple[Rule, ...]:
        """The rules of the route the router will send this request to."""
        route = self.table.match(scope).route if self.table is not None else None
        if route is None:
            return self.default  # 404s and mounts count against the default limit too
        return self.per_route.get(id(route), self.default)


def _route_rules(info: RouteInfo) -> tuple[Rule, ...] | None:
    """The route's own rules; ``()`` when exempt, ``None`` when the default applies."""
    if info.find(RateLimitExempt) is not None:
        return ()
    declared = info.find_all(RateLimitRule)
    if not declared:
        return None
    # Each route counts on its own: a stable name, shared by every instance of the app.
    bucket = f"route:{info.name}:{','.join(info.methods)}"
    return tuple(Rule(rule.limit, rule.key, bucket) for rule in declared)
