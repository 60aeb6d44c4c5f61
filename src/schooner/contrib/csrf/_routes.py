"""CSRF route metadata (``csrf_exempt``) and the per-route rules read from it at build time."""

from __future__ import annotations

from dataclasses import dataclass

from schooner.contrib.sessions import Sessions
from schooner.exceptions import ImproperlyConfigured
from schooner.routing import RouteInfo, RouteTable
from schooner.types import Scope

__all__ = ["CSRFExempt", "CSRFPlan", "csrf_exempt"]


@dataclass(frozen=True, slots=True)
class CSRFExempt:
    """Route metadata: no CSRF check on this route (a webhook with its own signature).

    Use the ready-made instance: ``@app.post("/hooks/stripe", meta=[csrf_exempt])``.
    """


csrf_exempt = CSRFExempt()
"""Turn CSRF protection off for one route (or a router): ``meta=[csrf_exempt]``."""


@dataclass(frozen=True, slots=True)
class Rule:
    """What one route needs: whether it is checked at all, and whether it needs a token."""

    exempt: bool
    token: bool


UNKNOWN = Rule(exempt=False, token=False)  # 404s, 405s, mounts: origin checks only


class CSRFPlan:
    """The per-route rules of one app, decided once when the app is built.

    Args:
        sessions: the app's sessions component, which knows the routes that read the session.
    """

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.table: RouteTable | None = None
        self.rules: dict[int, Rule] = {}

    def build(self, table: RouteTable) -> None:
        """Read every route's metadata and parameters (the app's build hook)."""
        self.table = table
        self.rules = {id(route): self._rule(route) for route in table if route.endpoint}

    def _rule(self, route: RouteInfo) -> Rule:
        # A route that reads the session (or a cookie parameter) is cookie-authenticated:
        # requests from browsers that cannot prove their origin must carry the token.
        cookies = self.sessions.reads_session(route) or route.reads("cookie")
        return Rule(exempt=route.find(CSRFExempt) is not None, token=cookies)

    def rule_for(self, scope: Scope) -> Rule:
        """The rule of the route the router will send this request to."""
        if self.table is None:  # pragma: no cover - the app builds before serving
            raise ImproperlyConfigured("CSRF's route table is not built yet.")
        route = self.table.match(scope).route
        return UNKNOWN if route is None else self.rules.get(id(route), UNKNOWN)
