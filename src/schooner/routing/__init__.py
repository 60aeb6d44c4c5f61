"""Routing: path templates with typed converters, routers, mounts and URL building.

Paths look like ``/users/{user_id:int}/files/{name:path}``. Static paths are matched by
one dict lookup, dynamic ones by a few regexes at most; narrower converters win over wider
ones regardless of declaration order, and two routes that would shadow each other are a
startup error. The app's :class:`RouteTable` is the one matcher: the router, batteries that
apply per-route rules (``route_table.match(scope)``), the CLI and ``url_for`` all ask it.
Routers may carry a ``namespace`` (``url_for("polls:detail", ...)``) and typed ``meta``
that batteries read when the app is built (``RouteInfo.find``).
"""

from __future__ import annotations

from schooner.routing._table import RouteInfo, RouteMatch, RouteTable, TrailingSlash
from schooner.routing.converters import Converter
from schooner.routing.route import Mount, Route, RouteOptions
from schooner.routing.router import Router

__all__ = [
    "Converter",
    "Mount",
    "Route",
    "RouteInfo",
    "RouteMatch",
    "RouteOptions",
    "RouteTable",
    "Router",
    "TrailingSlash",
]
