"""Providers: functions whose result is injected into handlers (and into other providers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from schooner import App, Header, HTTPException, Inject

app = App()


class Database:
    """Stands in for a real connection pool."""

    def __init__(self) -> None:
        self.rows = {1: "Bluenose", 2: "Atlantic"}


class Session:
    """Stands in for a per-request database session."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, ship_id: int) -> str | None:
        return self.db.rows.get(ship_id)


async def get_database() -> AsyncIterator[Database]:
    """App scope: created on first use, closed when the app shuts down."""
    print("database opened")
    yield Database()
    print("database closed")


async def get_session(
    db: Annotated[Database, Inject(get_database, scope="app")],
) -> AsyncIterator[Session]:
    """Request scope (the default): one per request, closed after the response is sent."""
    print("session opened")
    try:
        yield Session(db)
    finally:
        print("session closed")


SessionDep = Annotated[Session, Inject(get_session)]


def current_user(authorization: Annotated[str | None, Header()] = None) -> str:
    """A sync provider (run in the thread pool) that reads a header like a handler would."""
    if authorization != "Bearer captain":
        raise HTTPException(401, "Log in first.", headers={"WWW-Authenticate": "Bearer"})
    return "captain"


UserDep = Annotated[str, Inject(current_user)]


def audit(user: UserDep, session: SessionDep) -> str:
    """Depends on two providers that the handler also uses: each still runs once."""
    return f"{user} used session {id(session)}"


@app.get("/ships/{ship_id:int}")
async def get_ship(
    ship_id: int,
    session: SessionDep,
    user: UserDep,
    note: Annotated[str, Inject(audit)],
) -> dict[str, object]:
    """The handler and ``audit`` share one session object for the request."""
    print("handler ran")
    name = session.get(ship_id)
    if name is None:
        raise HTTPException(404, f"No ship {ship_id}.")
    return {"name": name, "user": user, "same_session": note.endswith(str(id(session)))}
