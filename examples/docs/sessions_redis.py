"""Sessions kept in Redis: the cookie carries a signed id, the data lives server-side."""

from __future__ import annotations

import os

from schooner import App
from schooner.contrib.sessions import RedisBackend, Sessions

app = App(
    components=[
        Sessions(
            RedisBackend(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
            secret_keys=[os.environ.get("SESSION_KEY", "a-long-random-secret-0123456789abcdef")],
        )
    ]
)
