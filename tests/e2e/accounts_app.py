"""A real app with the account pages, for the browser tests (``schooner serve`` runs it).

Everything comes from the environment, as in a deployment: ``DATABASE_URL`` (a temporary
SQLite file; the tables are created at startup), ``SCHOONER_SECRET_KEY``, ``MAIL_*`` (SMTP
to the test's server, and ``MAIL_BASE_URL``, the served address, for the links in mail) and
``AUTH_*`` (any option of ``AuthConfig``). Other browser tests reuse it: ``build_app(extra=
[...])`` adds components before ``Auth``, and ``build_app(**options)`` sets ``Auth`` options;
a module of theirs with ``app = build_app(...)`` is served the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from schooner import App, Settings
from schooner.contrib.auth import Auth, AuthConfig, OptionalUser
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail, MailConfig
from schooner.contrib.orm import Database, DatabaseConfig
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import TemplateResponse, Templates

TEMPLATES = Path(__file__).parent / "accounts_templates"


def build_app(*, extra: Sequence[Any] = (), **options: Any) -> App:
    """The accounts app: the batteries the pages need, ``extra`` components, then ``Auth``."""
    database = Database(config=DatabaseConfig.from_env())

    @asynccontextmanager
    async def tables(app: App) -> AsyncIterator[None]:
        """Create the tables (a test database; a project runs its migrations instead)."""
        await database.create_all()
        yield

    app = App(
        settings=Settings.load(),
        components=[
            database,
            Sessions(),
            Templates(TEMPLATES),
            Forms(),
            CSRF(),
            Mail(config=MailConfig.from_env()),
            SecurityHeaders(),
            *extra,
            Auth(config=AuthConfig.from_env(), **options),
        ],
        lifespan=[tables],
    )

    @app.get("/", include_in_schema=False)
    async def home(user: OptionalUser) -> TemplateResponse:
        """The site's home page: who is signed in, and the account links."""
        return TemplateResponse("home.html", {"user": user})

    return app


app = build_app()
