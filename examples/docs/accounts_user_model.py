"""Your own user model: the battery's User with columns of your own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from schooner import App, Router
from schooner.contrib.auth import Auth, User, current_user, login_required
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database, DatabaseConfig
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.di import Inject

HERE = Path(__file__).parent


# --8<-- [start:model]
class Member(User):
    """An account with a display name: the same auth_user table, one more column."""

    display_name: Mapped[str | None] = mapped_column(String(80), default=None)


# Handlers ask for a Member where they would ask for a CurrentUser.
CurrentMember = Annotated[Member, Inject(current_user)]
# --8<-- [end:model]

# --8<-- [start:route]
routes = Router()


@routes.get("/me", meta=[login_required])
async def me(member: CurrentMember) -> dict[str, Any]:
    return {"email": member.email, "name": member.display_name}


# --8<-- [end:route]


def create_app() -> App:
    app = App(
        components=[
            Database(config=DatabaseConfig.from_env()),
            Sessions(),
            Templates(HERE / "accounts_templates"),
            Forms(),
            CSRF(),
            Mail("console", default_from="Shop <noreply@shop.example>"),
            # --8<-- [start:component]
            Auth(user_model=Member),
            # --8<-- [end:component]
        ]
    )
    app.include(routes)
    return app
