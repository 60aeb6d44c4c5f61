"""A startup that fails stops the server instead of serving a half-started app."""

from __future__ import annotations

from schooner import App


async def connect_to_database() -> None:
    """Pretend the database is down."""
    raise ConnectionError("database at db:5432 is unreachable")


app = App(on_startup=[connect_to_database])


@app.get("/")
async def index() -> dict[str, str]:
    """Never served."""
    return {"status": "ok"}
