"""An app with accounts: sign-up, sign-in and the rest, guards, the current user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from schooner import App, Router
from schooner.contrib.auth import (
    Accounts,
    Auth,
    AuthEvent,
    CurrentUser,
    OptionalUser,
    login_required,
    staff_required,
)
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent

# --8<-- [start:setup]
app = App(
    components=[
        Database(config=DatabaseConfig.from_env()),
        Migrations(),  # `schooner db migrate` creates the account tables
        Sessions(),
        Templates(HERE / "accounts_templates"),  # yours first, then the battery's
        Forms(),
        CSRF(),
        # Links in mail point at base_url; the console backend prints the mail.
        Mail(
            "console", default_from="Shop <noreply@shop.example>", base_url="https://shop.example"
        ),
        Auth(),
    ]
)
# --8<-- [end:setup]


# --8<-- [start:user]
@app.get("/me", meta=[login_required])
async def me(user: CurrentUser) -> dict[str, Any]:
    """Signed-in users only: others get a 401 (a browser, the login page)."""
    return {"email": user.email, "staff": user.is_staff}


@app.get("/")
async def home(user: OptionalUser) -> dict[str, str]:
    """Everyone: the user, or None."""
    return {"greeting": f"Hello, {user.email}" if user is not None else "Hello, stranger"}


@app.post("/me/sign-out-everywhere", meta=[login_required])
async def everywhere(user: CurrentUser, accounts: Accounts) -> dict[str, str]:
    """The flows are the Accounts service's: the pages and the JSON API call it too."""
    await accounts.sign_out_everywhere(user)
    return {"status": "every other session has ended"}


# --8<-- [end:user]


# --8<-- [start:staff]
staff = Router(meta=[staff_required])  # every route of the router needs staff


@staff.get("/users/{user_id:int}/events")
async def events(user_id: int, db: AsyncSession) -> list[dict[str, Any]]:
    """The audit trail of one account, newest first."""
    rows = await db.scalars(
        select(AuthEvent)
        .where(AuthEvent.user_id == user_id)
        .order_by(AuthEvent.at.desc(), AuthEvent.id.desc())
        .limit(20)
    )
    return [{"kind": e.kind, "address": e.address, "at": e.at.isoformat()} for e in rows]


app.include(staff, prefix="/staff")
# --8<-- [end:staff]
