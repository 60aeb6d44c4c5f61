"""Schooner: a typed, async-native web framework — small to start, complete when it grows.

A whole API in one file::

    from schooner import App

    app = App()

    @app.get("/hello/{name}")
    async def hello(name: str, excited: bool = False) -> dict[str, str]:
        return {"message": f"Hello, {name}{'!' if excited else '.'}"}

Run it with ``schooner run app.py``. Importing ``schooner`` reads no environment and
imports no optional dependency.
"""

from __future__ import annotations

from schooner.app import App
from schooner.components import Component
from schooner.config import Settings
from schooner.datastructures import UploadFile
from schooner.di import Body, Cookie, Form, Header, Inject, Path, Query
from schooner.exceptions import HTTPError, HTTPException
from schooner.http import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Request,
    Response,
    StreamingResponse,
)
from schooner.middleware import Middleware
from schooner.routing import Router

__all__ = [
    "App",
    "Body",
    "Component",
    "Cookie",
    "FileResponse",
    "Form",
    "HTMLResponse",
    "HTTPError",
    "HTTPException",
    "Header",
    "Inject",
    "JSONResponse",
    "Middleware",
    "Path",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "Response",
    "Router",
    "Settings",
    "StreamingResponse",
    "UploadFile",
]
