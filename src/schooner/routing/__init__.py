"""Routing: path templates with typed converters, routers, mounts and URL building.

Paths look like ``/users/{user_id:int}/files/{name:path}``. Static paths are matched by
one dict lookup, dynamic ones by a few regexes at most; narrower converters win over wider
ones regardless of declaration order, and two routes that would shadow each other are a
startup error.
"""

from __future__ import annotations

from schooner.routing.converters import Converter
from schooner.routing.route import Mount, Route, RouteOptions
from schooner.routing.router import Router

__all__ = ["Converter", "Mount", "Route", "RouteOptions", "Router"]
