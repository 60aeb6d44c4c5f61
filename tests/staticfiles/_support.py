"""Helpers for the static files tests: folders of files and a raw ASGI caller."""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from schooner.datastructures import Headers
from schooner.types import ASGIApp, Message

CSS = b"body { color: navy; }\n" * 20
PNG = b"\x89PNG theme"


def digest(content: bytes) -> str:
    """The fingerprint of ``content``: 12 hex characters of its SHA-256."""
    return hashlib.sha256(content).hexdigest()[:12]


@dataclass
class Folders:
    """Two static folders (``project`` overriding ``theme``) and a secret outside both."""

    project: Path
    theme: Path
    secret: Path


def make_folders(tmp_path: Path) -> Folders:
    """Write a project folder with siblings and symlinks, a theme folder, and a secret file."""
    project, theme = tmp_path / "project", tmp_path / "theme"
    for path, content in {
        project / "css" / "site.css": CSS,
        project / "css" / "site.css.br": b"brotli bytes",
        project / "css" / "site.css.gz": b"gzip bytes",
        project / "js" / "app.js": b"console.log('hi');\n",
        project / "js" / "app.js.gz": b"gzipped js",
        project / "robots.txt": b"User-agent: *\n",
        project / "data.json": b"{}",
        project / "logo.svg": b"<svg/>",
        project / "blob.unknownext": b"\x00\x01",
        project / "dist" / "bundle.tar.gz": b"a tarball",
        project / ".env": b"SECRET=1",
        project / ".git" / "config": b"[core]",
        theme / "css" / "site.css": b"theme css",
        theme / "img" / "logo.png": PNG,
        tmp_path / "secret.txt": b"top secret",
    }.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    os.symlink(project / "robots.txt", project / "robots-alias.txt")
    os.symlink(tmp_path / "secret.txt", project / "escape.txt")
    os.symlink(tmp_path, project / "up")
    return Folders(project, theme, tmp_path / "secret.txt")


@dataclass
class Sent:
    """What an ASGI app sent for one request."""

    messages: list[Message] = field(default_factory=list)

    @property
    def status(self) -> int:
        """The response status."""
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> Headers:
        """The response headers."""
        return Headers(raw=self.messages[0]["headers"])

    @property
    def body(self) -> bytes:
        """The whole body."""
        return b"".join(m.get("body", b"") for m in self.messages[1:])


def call(
    app: ASGIApp, raw_path: bytes, *, method: str = "GET", root_path: str = "", **headers: str
) -> Sent:
    """Send one request with exactly this raw path, as a server would, bypassing any client.

    HTTP clients normalise ``..`` away before sending; servers pass it on, so this is how
    the app's own defences are tested.
    """
    sent = Sent()
    path = raw_path.decode("latin-1")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": raw_path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
        "server": ("testserver", 80),
        "client": ("testclient", 50000),
    }

    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.messages.append(message)

    asyncio.run(app(scope, receive, send))
    return sent
