"""HTML forms: ``Form()`` reads urlencoded and multipart bodies into a model; files are uploads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

import msgspec

from schooner import App, Form, UploadFile

app = App()


class Signup(msgspec.Struct):
    """Form fields are text; they are converted like query parameters."""

    name: Annotated[str, msgspec.Meta(min_length=1)]
    age: Annotated[int, msgspec.Meta(ge=0)]
    newsletter: bool = False
    interests: list[str] = []  # a list field takes every value sent under that name


@dataclass
class Photo:
    """A multipart form with a file field."""

    caption: str
    image: UploadFile


@app.post("/signup")
async def signup(form: Annotated[Signup, Form()]) -> Signup:
    """``application/x-www-form-urlencoded`` or ``multipart/form-data``."""
    return form


@app.post("/photos", status_code=201, max_upload_size=20 * 1024 * 1024)
async def upload_photo(form: Annotated[Photo, Form()]) -> dict[str, object]:
    """The upload is spooled to disk above 1 MiB; read it in chunks to keep memory flat."""
    sha = hashlib.sha256()
    size = 0
    while chunk := await form.image.read(64 * 1024):
        sha.update(chunk)
        size += len(chunk)
    return {
        "caption": form.caption,
        "filename": form.image.filename,
        "content_type": form.image.content_type,
        "size": size,
        "sha256": sha.hexdigest()[:12],
    }
