"""The accounts settings as a block of the project's settings: [schooner.auth]."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from schooner import App, Settings
from schooner.contrib.auth import Auth, AuthConfig
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail, MailConfig
from schooner.contrib.orm import Database, DatabaseConfig
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates

HERE = Path(__file__).parent


# --8<-- [start:settings]
class SiteSettings(Settings, frozen=True):
    """The project's settings, with accounts and mail blocks."""

    auth: AuthConfig = msgspec.field(default_factory=AuthConfig)
    mail: MailConfig = msgspec.field(default_factory=MailConfig)


def create_app(toml_file: Path = HERE / "accounts_settings.toml", **overrides: Any) -> App:
    """Read the settings once; the auth block configures the component."""
    settings = SiteSettings.load(toml_file=toml_file, **overrides)
    return App(
        settings=settings,
        components=[
            Database(config=DatabaseConfig.from_env()),
            Sessions(),
            Templates(HERE / "accounts_templates"),
            Forms(),
            CSRF(),
            Mail(config=settings.mail),
            Auth(config=settings.auth),
        ],
    )


# --8<-- [end:settings]
