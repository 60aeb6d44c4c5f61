"""An access log line per request, as text or as JSON built from the record's fields."""

from __future__ import annotations

import json
import logging
from typing import IO

from schooner import App, Middleware
from schooner.middleware import AccessLogMiddleware, RequestIDMiddleware

FIELDS = ("client", "method", "path", "status", "bytes", "duration_ms", "request_id")


class JSONLines(logging.Formatter):
    """Format access records as one JSON object per line, from the fields in ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({name: getattr(record, name) for name in FIELDS})


def json_access_handler(stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing JSON lines (to stderr by default); add it where you set up logging."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONLines())
    return handler


app = App(
    middleware=[
        RequestIDMiddleware,
        Middleware(AccessLogMiddleware, logger="shop.access"),
    ]
)


@app.get("/items")
async def items() -> list[str]:
    """One line per request, whatever the handler does."""
    return ["rope", "anchor"]
