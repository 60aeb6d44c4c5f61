"""Sessions kept in the app's own database (the table comes with your migrations)."""

from __future__ import annotations

import os

from schooner import App
from schooner.contrib.orm import Database, DatabaseConfig
from schooner.contrib.sessions import Sessions
from schooner.contrib.sessions.database import DatabaseBackend

db = Database(config=DatabaseConfig.from_env())
app = App(
    components=[
        db,
        Sessions(
            DatabaseBackend(db),
            secret_keys=[os.environ.get("SESSION_KEY", "a-long-random-secret-0123456789abcdef")],
        ),
    ]
)
