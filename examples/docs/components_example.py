"""A worked component: a health-check "battery" that contributes to the app in every way."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import click

from schooner import App, Request, Response, Router
from schooner.middleware import CallNext


class Uptime:
    """A service the component provides to any handler that asks for it."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.ready = False

    def seconds(self) -> float:
        return time.monotonic() - self.started


@dataclass
class HealthCheck:
    """Adds ``/health`` routes, an ``Uptime`` provider, a readiness hook and a CLI command.

    Attributes:
        prefix: where the routes live.
        header: whether to add the ``X-Uptime`` header to every response.
    """

    prefix: str = "/health"
    header: bool = True
    name: str = field(default="health", init=False)

    def setup(self, app: App) -> None:
        """Called once by ``App(components=[...])``; uses only the app's public methods."""
        uptime = Uptime()

        # A provider, app-scoped: the same Uptime for every request.
        app.provide(Uptime, lambda: uptime, scope="app")

        # Routes, through an ordinary router.
        router = Router(prefix=self.prefix, tags=["health"])

        @router.get("/live", name="health_live")
        async def live() -> dict[str, str]:
            return {"status": "alive"}

        @router.get("/ready", name="health_ready")
        async def ready(clock: Uptime) -> Response | dict[str, float]:
            if not clock.ready:
                return Response("starting", status_code=503, media_type="text/plain")
            return {"uptime": round(clock.seconds(), 3)}

        app.include(router)

        # A lifespan hook: ready once startup is complete.
        @app.on_startup
        def mark_ready() -> None:
            uptime.ready = True

        # Middleware: appended to the app's list (or placed with before=/after= a name).
        if self.header:

            async def uptime_header(request: Request, call_next: CallNext) -> Response:
                response = await call_next(request)
                response.headers["x-uptime"] = f"{uptime.seconds():.0f}"
                return response

            app.add_middleware(uptime_header)

        # A CLI command: `schooner health APP` once the component is on.
        @click.command("health")
        def health_command() -> None:
            """Print the health routes."""
            click.echo(f"{self.prefix}/live {self.prefix}/ready")

        app.add_command(health_command)


app = App(components=[HealthCheck(prefix="/_health")])


@app.get("/")
async def index(clock: Uptime) -> dict[str, bool]:
    """Your handlers can use what a component provides, too."""
    return {"ready": clock.ready}
