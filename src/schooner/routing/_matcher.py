"""The path matcher, compiled once: a dict for static paths, buckets for dynamic ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from schooner.exceptions import RouteConflict
from schooner.routing._path import CompiledPath
from schooner.routing.route import WEBSOCKET
from schooner.types import ASGIApp

if TYPE_CHECKING:
    from schooner.routing._table import RouteInfo

MatchKind = Literal[
    "route",
    "mount",
    "redirect",
    "options",
    "not_found",
    "method_not_allowed",
    "upgrade_required",
    "bad_request",
]
"""The router's decision for one request (see :class:`RouteMatch`)."""


class Target:
    """What the router does for one method on one path: decided when the table is built.

    Made once per route, mount and refusal (404, 405, 426, ``OPTIONS``); only a redirect,
    whose location depends on the request, is made per request.
    """

    __slots__ = ("allow", "app", "kind", "location", "renames", "route")

    def __init__(
        self,
        kind: MatchKind,
        *,
        app: ASGIApp | None = None,
        route: RouteInfo | None = None,
        renames: Mapping[str, str] | None = None,
        allow: str = "",
        location: str = "",
    ) -> None:
        self.kind = kind
        self.app = app
        self.route = route
        self.renames = renames
        self.allow = allow
        self.location = location


@dataclass(slots=True)
class PathEntry:
    """Every route sharing one path template, by method."""

    compiled: CompiledPath
    targets: dict[str, Target] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    allow: str = ""
    # Decided by finish(): what a method without a route gets (405, OPTIONS or 426).
    refusals: dict[str, Target] = field(default_factory=dict)

    def refusal(self, method: str) -> Target:
        """The target for a method no route of this path serves."""
        return self.refusals.get(method) or self.refusals["*"]


class Matcher:
    """Finds the entry for a decoded path.

    Static paths are one dict lookup. Dynamic paths are bucketed by their literal first
    segment, so even with hundreds of routes only a handful of regexes are tried; within a
    bucket, narrower converters are tried before wider ones (``int`` before ``str`` before
    ``path``), so declaration order never decides a match.
    """

    def __init__(self) -> None:
        self.static: dict[str, PathEntry] = {}
        self._by_signature: dict[str, PathEntry] = {}
        self.by_first: dict[str, list[PathEntry]] = {}
        self.wildcard: list[PathEntry] = []
        self.mounts: list[tuple[str, ASGIApp]] = []

    def add(
        self,
        compiled: CompiledPath,
        methods: Iterable[str],
        app: ASGIApp,
        source: str,
        info: RouteInfo,
    ) -> None:
        """Register ``app`` (the route ``info``) for ``methods`` on ``compiled``.

        Raises:
            RouteConflict: another route already serves one of these methods on an
                equivalent template.
        """
        entry = self._by_signature.get(compiled.signature)
        if entry is None:
            entry = PathEntry(compiled)
            self._by_signature[compiled.signature] = entry
            if compiled.is_static:
                self.static[compiled.template] = entry
            elif compiled.first_segment is not None:
                self.by_first.setdefault(compiled.first_segment, []).append(entry)
            else:
                self.wildcard.append(entry)
        # Routes may share a shape but name parameters differently (GET /x/{a}, POST /x/{b}):
        # the target maps the names in the entry's template to the route's own.
        renames = None
        if list(compiled.converters) != list(entry.compiled.converters):
            renames = dict(zip(entry.compiled.converters, compiled.converters, strict=True))
        for method in methods:
            if method in entry.targets:
                raise RouteConflict(
                    f"{method} {compiled.template} ({source}) would shadow {method} "
                    f"{entry.compiled.template} ({entry.sources[method]}): both match the same "
                    "paths. Change one path, or merge the handlers."
                )
            entry.targets[method] = Target("route", app=app, route=info, renames=renames)
            entry.sources[method] = source

    def add_mount(self, prefix: str, app: ASGIApp) -> None:
        """Serve every path under ``prefix`` with ``app`` (longest prefix wins)."""
        if any(existing == prefix for existing, _ in self.mounts):
            raise RouteConflict(f"Two apps are mounted at '{prefix}'.")
        self.mounts.append((prefix, app))

    def finish(self) -> None:
        """Sort buckets by specificity; decide each entry's ``Allow`` and refusals."""
        for bucket in [*self.by_first.values(), self.wildcard]:
            bucket.sort(key=lambda entry: entry.compiled.sort_key)
        self.mounts.sort(key=lambda item: len(item[0]), reverse=True)
        for entry in self._by_signature.values():
            methods = set(entry.targets) - {WEBSOCKET}
            if "GET" in methods:
                methods.add("HEAD")
                # HEAD is answered by the GET route (RFC 9110 §9.3.2).
                entry.targets.setdefault("HEAD", entry.targets["GET"])
            methods.add("OPTIONS")
            entry.allow = ", ".join(sorted(methods))
            if entry.allow == "OPTIONS":  # a websocket-only path (RFC 9110 §15.5.22)
                entry.refusals = {"*": Target("upgrade_required", allow=entry.allow)}
            else:
                entry.refusals = {
                    "OPTIONS": Target("options", allow=entry.allow),
                    "*": Target("method_not_allowed", allow=entry.allow),
                }

    def entries(self) -> list[PathEntry]:
        """Every entry, in registration order."""
        return list(self._by_signature.values())

    def match(self, path: str) -> tuple[PathEntry, dict[str, Any]] | None:
        """Return the entry and converted parameters for ``path``, or ``None``."""
        entry = self.static.get(path)
        if entry is not None:
            return entry, {}
        end = path.find("/", 1)
        first = path[1:] if end == -1 else path[1:end]
        for candidates in (self.by_first.get(first, ()), self.wildcard):
            for entry in candidates:
                params = entry.compiled.match(path)
                if params is not None:
                    return entry, params
        return None

    def match_mount(self, path: str) -> tuple[str, ASGIApp] | None:
        """Return the mount serving ``path``, or ``None``."""
        for prefix, app in self.mounts:
            if path == prefix or path.startswith(prefix + "/") or prefix == "":
                return prefix, app
        return None
