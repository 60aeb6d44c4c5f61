"""Dependencies run for their effect: on a router, on one route, and overridden in tests."""

from __future__ import annotations

from typing import Annotated

from schooner import App, Header, HTTPException, Inject, Router


def require_admin(x_role: Annotated[str | None, Header()] = None) -> None:
    """Refuse the request unless the X-Role header says ``admin``."""
    if x_role != "admin":
        raise HTTPException(403, "Admins only.")


def rate_limit() -> None:
    """Imagine a real rate limit here; tests override it with a no-op."""
    raise HTTPException(429, "Slow down.", headers={"Retry-After": "60"})


admin = Router(prefix="/admin", dependencies=[Inject(require_admin)])


@admin.get("/stats")
async def stats() -> dict[str, int]:
    """Only reached when ``require_admin`` returned without raising."""
    return {"ships": 2}


app = App()
app.include(admin)


@app.post("/messages", dependencies=[Inject(rate_limit)])
async def send_message() -> dict[str, bool]:
    """A route-level dependency: runs before this handler only."""
    return {"sent": True}
