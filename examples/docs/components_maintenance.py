"""A component written like a battery: maintenance mode, with per-route options.

While maintenance is on, routes answer 503 with ``Retry-After``, except those marked
``meta=[during_maintenance("open")]``; ``"read-only"`` routes keep answering reads. Staff
(a flag in their session) are let through. The switch is a settings block, and a handler
can flip it at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec

from schooner import App, HTTPException, Request, Router, Settings
from schooner.contrib.sessions import Session, Sessions, get_session
from schooner.contrib.templates import TemplateResponse, Templates
from schooner.exceptions import ImproperlyConfigured
from schooner.middleware import Middleware
from schooner.routing import RouteTable
from schooner.types import ASGIApp, Receive, Scope, Send

HERE = Path(__file__).parent

Mode = Literal["open", "read-only", "closed"]
MODES: tuple[Mode, ...] = ("open", "read-only", "closed")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# --8<-- [start:config]
class MaintenanceConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The component's options; also the ``[schooner.maintenance]`` settings block."""

    enabled: bool = False
    default: Mode = "closed"
    retry_after: int = 600
    staff_key: str = "staff"

    def __post_init__(self) -> None:
        if self.default not in MODES:
            raise ImproperlyConfigured(
                f"maintenance.default is one of {', '.join(MODES)}, not {self.default!r}."
            )
        if self.retry_after < 1:
            raise ImproperlyConfigured(
                f"maintenance.retry_after is the seconds clients should wait (at least 1), "
                f"not {self.retry_after}."
            )


# --8<-- [end:config]


# --8<-- [start:meta]
@dataclass(frozen=True, slots=True)
class DuringMaintenance:
    """Route metadata: what a route (or every route of a router) does during maintenance."""

    mode: Mode


def during_maintenance(mode: Mode) -> DuringMaintenance:
    """``meta=[during_maintenance("open")]``: keep a route up while maintenance is on."""
    if mode not in MODES:
        raise ImproperlyConfigured(f"during_maintenance() takes one of {', '.join(MODES)}.")
    return DuringMaintenance(mode)


# --8<-- [end:meta]


# --8<-- [start:plan]
class MaintenancePlan:
    """Each route's mode, decided once, when the app is built."""

    def __init__(self, default: Mode) -> None:
        self.default = default
        self.table: RouteTable | None = None
        self.modes: dict[int, Mode] = {}

    def build(self, table: RouteTable) -> None:
        """The app's build hook: read every route's metadata once."""
        self.table = table
        self.modes = {
            id(route): found.mode
            for route in table
            if (found := route.find(DuringMaintenance))  # the route's own, else its router's
        }

    def allows(self, scope: Scope) -> bool:
        """Whether the route the router will pick is served during maintenance."""
        # The router's own answer (trailing slashes, mounts and 405s included).
        route = self.table.match(scope).route if self.table is not None else None
        mode = self.default if route is None else self.modes.get(id(route), self.default)
        return mode == "open" or (mode == "read-only" and scope["method"] in SAFE_METHODS)


# --8<-- [end:plan]


# --8<-- [start:middleware]
class UnderMaintenance(HTTPException):
    """503: the site is under maintenance; ``Retry-After`` says when to come back."""

    status_code = 503


class MaintenanceMiddleware:
    """Refuse what the plan does not allow while maintenance is on; let staff through."""

    def __init__(self, app: ASGIApp, *, maintenance: Maintenance, plan: MaintenancePlan) -> None:
        self.app = app
        self.maintenance = maintenance
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.maintenance.enabled or self.plan.allows(scope):
            await self.app(scope, receive, send)
            return
        session = await get_session(Request(scope, receive))  # the sessions battery's API
        if session.get(self.maintenance.config.staff_key):
            await self.app(scope, receive, send)
            return
        raise UnderMaintenance(
            detail="The site is under maintenance; please come back soon.",
            headers={"Retry-After": str(self.maintenance.config.retry_after)},
        )


# --8<-- [end:middleware]


# --8<-- [start:component]
class Maintenance:
    """Maintenance mode as a component: ``App(components=[Sessions(), Maintenance()])``."""

    name = "maintenance"

    def __init__(self, config: MaintenanceConfig | None = None) -> None:
        self.config = config or MaintenanceConfig()
        self.enabled = self.config.enabled  # flipped at run time by a handler

    def setup(self, app: App) -> None:
        app.require(Sessions, by=self)  # staff are recognised by their session
        plan = MaintenancePlan(self.config.default)
        app.on_build(plan.build)
        app.add_middleware(
            Middleware(MaintenanceMiddleware, maintenance=self, plan=plan),
            after="SessionMiddleware",  # inside the session layer: it reads the session
        )
        app.provide(Maintenance, self._provide, scope="app")

    def _provide(self) -> Maintenance:
        return self

    def template_context(self, request: Request) -> Mapping[str, object]:
        """Every template sees ``maintenance`` (a ContextProvider: no templates import)."""
        return {"maintenance": self.enabled}


# --8<-- [end:component]


# --8<-- [start:app]
class SiteSettings(Settings, frozen=True):
    """The project's settings, with the component's block."""

    maintenance: MaintenanceConfig = msgspec.field(default_factory=MaintenanceConfig)


def create_app(settings: SiteSettings) -> App:
    """The site; ``[schooner.maintenance]`` in ``schooner.toml`` configures maintenance."""
    app = App(
        settings=settings,
        components=[
            Sessions(),
            Templates(HERE / "maintenance_templates"),
            Maintenance(settings.maintenance),
        ],
    )

    @app.get("/")
    async def home() -> TemplateResponse:
        return TemplateResponse("home.html")

    timetable = Router(prefix="/timetable", meta=[during_maintenance("read-only")])

    @timetable.get("")
    async def sailings() -> list[str]:
        return ["08:15 Portsmouth", "09:40 Ryde"]

    @timetable.post("")
    async def add_sailing(session: Session) -> str:
        return "added"

    app.include(timetable)

    @app.get("/health", meta=[during_maintenance("open")])
    async def health() -> str:
        return "up"

    @app.post("/admin/maintenance", meta=[during_maintenance("open")])
    async def switch(on: bool, session: Session, maintenance: Maintenance) -> dict[str, bool]:
        if not session.get("staff"):
            raise HTTPException(403, "Only staff switch maintenance on and off.")
        maintenance.enabled = on
        return {"maintenance": maintenance.enabled}

    return app


app = create_app(SiteSettings.load())
# --8<-- [end:app]
