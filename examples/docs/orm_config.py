"""A database configured in code, from the project's own typed settings."""

from __future__ import annotations

from schooner import App, Settings
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig


class ShopSettings(Settings, frozen=True):
    """The project's settings: SCHOONER_DATABASE_URL, SCHOONER_DATABASE_POOL_SIZE …"""

    database_url: str = "sqlite+aiosqlite:///shop.db"
    database_pool_size: int = 10


def create_app(settings: ShopSettings) -> App:
    """Build the database's configuration from the settings the app already loaded."""
    config = DatabaseConfig(
        url=settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=0,  # never more connections than the pool: the server's limit is tight
        pool_timeout=5.0,  # fail a request after 5 s without a free connection
        echo=settings.debug,  # log SQL while developing
    )
    db = Database(config=config)
    app = App(settings=settings, components=[db])
    app.on_startup(db.create_all)

    @app.get("/pool")
    async def pool(session: AsyncSession) -> dict[str, object]:
        connection = await session.connection()
        return {"backend": connection.dialect.name, "pool_size": db.config.pool_size}

    return app


app = create_app(ShopSettings.load())
