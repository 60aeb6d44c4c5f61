"""Per-route security headers (``security_headers``) and the plan read from them at build time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schooner.contrib.security._policy import (
    POLICY_FIELDS,
    HeaderPolicy,
    apply_changes,
    check_header_value,
)
from schooner.exceptions import ImproperlyConfigured
from schooner.routing import RouteTable
from schooner.types import Scope

__all__ = ["HeaderOverride", "SecurityHeadersPlan", "security_headers"]


@dataclass(frozen=True)
class HeaderOverride:
    """Route metadata: changes to the security headers of a route (see :func:`security_headers`)."""

    changes: Mapping[str, Any]


def security_headers(**changes: Any) -> HeaderOverride:
    """Change one route's headers: ``meta=[security_headers(frame_options=None)]``.

    Takes the fields of the policy (``csp``, ``frame_options``, ``referrer_policy``…); a
    ``csp`` mapping replaces the app's directives named in it and keeps the others, and a
    directive set to ``None`` is removed.

    Raises:
        ImproperlyConfigured: an option is not a field of the policy, or a value is not one
            browsers accept.
    """
    unknown = set(changes) - POLICY_FIELDS
    if unknown:
        raise ImproperlyConfigured(
            f"security_headers() has no option {', '.join(sorted(unknown))}; "
            f"use some of {', '.join(sorted(POLICY_FIELDS))}."
        )
    for name, value in changes.items():
        check_header_value("security_headers()", name, value)
    return HeaderOverride(dict(changes))


class SecurityHeadersPlan:
    """The policy of each route that overrides the app's, decided when the app is built.

    Args:
        policy: the app-wide policy.
    """

    def __init__(self, policy: HeaderPolicy) -> None:
        self.policy = policy
        self.table: RouteTable | None = None
        self.per_route: dict[int, HeaderPolicy] = {}

    def build(self, table: RouteTable) -> None:
        """Apply every route's overrides to the app's policy (the app's build hook)."""
        self.table = table
        self.per_route = {}
        for route in table:
            overrides = route.find_all(HeaderOverride)
            if overrides:
                policy = self.policy
                for override in overrides:  # routers' first, the route's own last
                    policy = apply_changes(policy, override.changes)
                self.per_route[id(route)] = policy

    def policy_for(self, scope: Scope) -> HeaderPolicy:
        """The policy of the route the router will send this request to."""
        if not self.per_route or self.table is None:
            return self.policy
        route = self.table.match(scope).route
        return self.policy if route is None else self.per_route.get(id(route), self.policy)
