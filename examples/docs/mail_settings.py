"""The mail settings as a block of the project's settings: [schooner.mail] in schooner.toml."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

from schooner import App, Settings
from schooner.contrib.mail import Mail, MailConfig

HERE = Path(__file__).parent


# --8<-- [start:settings]
class SiteSettings(Settings, frozen=True):
    """The project's settings, with a mail block."""

    mail: MailConfig = msgspec.field(default_factory=MailConfig)


def create_app(toml_file: Path = HERE / "mail_settings.toml", **overrides: Any) -> App:
    """Read the settings once; the mail block configures the component."""
    settings = SiteSettings.load(toml_file=toml_file, **overrides)
    # The password is a secret: it comes from the environment, never from the file.
    mail = Mail(config=settings.mail, password=os.environ.get("MAIL_PASSWORD"))
    return App(settings=settings, components=[mail])


# --8<-- [end:settings]
