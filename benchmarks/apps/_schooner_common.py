"""The routes both Schooner apps share: plaintext, json, api and upload (no database).

``schooner_raw`` and ``schooner_orm`` differ only in how they reach PostgreSQL; the tests
without a database are declared once, here, on a router each app includes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import msgspec
from _common import HELLO

from schooner import App, Form, Header, Router, Settings, UploadFile
from schooner.contrib.templates import Templates

router = Router()

# The fortunes page is rendered by Schooner's templates battery, as a Schooner user would:
# Jinja2 with autoescaping always on, compiled once.
templates = Templates(Path(__file__).parent / "templates")


def production_app() -> App:
    """An app with production settings: no debug pages, only 127.0.0.1 answered."""
    settings = Settings.load(
        environ={},
        env_file=None,
        toml_file=None,
        environment="production",
        allowed_hosts=["127.0.0.1"],
        secret_key=secrets.token_urlsafe(48),  # nothing is signed here, but production asks
    )
    return App(settings=settings, openapi=None, components=[templates])


class NewItem(msgspec.Struct):
    """The validated JSON body of the ``api`` test."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: Annotated[float, msgspec.Meta(ge=0)]
    tags: list[str] = []


class Echo(msgspec.Struct):
    """What the ``api`` test answers."""

    item_id: int
    verbose: bool
    token: str
    item: NewItem


@dataclass
class Upload:
    """The multipart form of the ``upload`` test."""

    file: UploadFile


@router.get("/plaintext")
async def plaintext() -> str:
    """``text/plain``."""
    return HELLO


@router.get("/json")
async def json() -> dict[str, str]:
    """A dict → JSON."""
    return {"message": HELLO}


@router.post("/api/items/{item_id:int}")
async def api(
    item_id: int,
    item: NewItem,
    token: Annotated[str, Header(alias="x-token", min_length=1)],
    verbose: bool = False,
) -> Echo:
    """Path, query, header and a validated body; anything invalid is a 422."""
    return Echo(item_id=item_id, verbose=verbose, token=token, item=item)


@router.post("/upload")
async def upload(form: Annotated[Upload, Form()]) -> dict[str, object]:
    """Read the uploaded file in chunks; answer its size and SHA-256."""
    sha = hashlib.sha256()
    size = 0
    while chunk := await form.file.read(64 * 1024):
        sha.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}
