"""Typed settings: a subclass with your own fields, loaded explicitly in app.py."""

from __future__ import annotations

from typing import Annotated

import msgspec

from schooner import App, Settings
from schooner.config import Secret


# --8<-- [start:define]
class ShopSettings(Settings, frozen=True):
    """Everything the shop can be configured with; defaults suit development."""

    database_url: str = "sqlite+aiosqlite:///shop.db"
    payment_api_key: Secret = Secret("")
    page_size: Annotated[int, msgspec.Meta(ge=1, le=500)] = 20
    admins: list[str] = msgspec.field(default_factory=list)


# --8<-- [end:define]


# --8<-- [start:load]
def create_app(**overrides: object) -> App:
    """Read the settings once, explicitly, and hand them to the app."""
    settings = ShopSettings.load(**overrides)
    app = App(settings=settings)

    @app.get("/config")
    async def config(settings: ShopSettings) -> dict[str, object]:
        # Annotating a parameter with the settings type injects the app's settings.
        return {"environment": settings.environment, "page_size": settings.page_size}

    return app


# --8<-- [end:load]


app = create_app()
