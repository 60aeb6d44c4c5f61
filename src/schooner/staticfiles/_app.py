"""``StaticFiles``: the ASGI app that serves one or more folders of static files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from schooner.concurrency import run_sync
from schooner.datastructures import Headers
from schooner.exceptions import (
    BadRequest,
    HTTPException,
    ImproperlyConfigured,
    MethodNotAllowed,
    NotFound,
)
from schooner.http import FileResponse, ProblemResponse
from schooner.http._target import route_path
from schooner.staticfiles._encoding import choose_encoding
from schooner.staticfiles._manifest import Manifest, StaticFile, UnknownStaticFile, describe
from schooner.staticfiles._paths import resolve_in, split_request_path
from schooner.types import Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
"""``Cache-Control`` of a file requested by its fingerprinted name: it can never change."""

REVALIDATE = "no-cache"
"""``Cache-Control`` of a file requested by its plain name: cache it, but check every time."""


class StaticFiles:
    """Serve the files of one or more folders; the first folder that has a file wins.

    Every file is hashed once, when the app starts (or on the first request when it is
    used on its own), into a :class:`Manifest`. A file can then be requested by its plain
    name (``/static/css/site.css``, sent with ``Cache-Control: no-cache`` and revalidated
    with ``ETag``/``Last-Modified``) or by its fingerprinted name
    (``/static/css/site.3f2a9c0b1d4e.css``, sent with a one-year ``immutable`` policy); a
    fingerprint that is not the file's current one is a 404. :meth:`url` builds the
    fingerprinted URL.

    ``site.css.br`` or ``site.css.gz`` next to ``site.css`` is sent instead of it, with
    ``Content-Encoding``, when the client accepts that coding. Responses are
    :class:`~schooner.http.FileResponse`, so conditional requests (304) and ``Range``
    requests (206, 416) work. Only GET and HEAD are allowed. Paths that could leave the
    folders (``..``, encoded or not, absolute paths, backslashes, NUL bytes, symlinks out of
    the folder), hidden files and directories are all 404.

    Args:
        directories: the folders, in order of precedence.
        prefix: the path the app is mounted at, used by :meth:`url` (``/static``).
        cache_control: the ``Cache-Control`` of files requested by their plain name.

    Raises:
        ImproperlyConfigured: a folder does not exist or the prefix is malformed.
    """

    def __init__(
        self,
        directories: Sequence[str | os.PathLike[str]],
        *,
        prefix: str = "/static",
        cache_control: str = REVALIDATE,
    ) -> None:
        if not prefix.startswith("/") or prefix.endswith("/"):
            raise ImproperlyConfigured(
                f"Static prefix {prefix!r} must start with '/' and must not end with '/' "
                "(e.g. '/static')."
            )
        if not directories:
            raise ImproperlyConfigured("StaticFiles needs at least one folder to serve.")
        self.directories = tuple(_folder(directory) for directory in directories)
        self.prefix = prefix
        self.cache_control = cache_control
        self._manifest: Manifest | None = None

    def __repr__(self) -> str:
        folders = ", ".join(str(directory) for directory in self.directories)
        return f"StaticFiles([{folders}], prefix={self.prefix!r})"

    @property
    def manifest(self) -> Manifest:
        """The files found and hashed at startup (scanned now if that has not happened)."""
        return self._manifest if self._manifest is not None else self.load()

    def load(self) -> Manifest:
        """Scan and hash the folders now, replacing the manifest (a restart does this)."""
        self._manifest = Manifest.scan(self.directories)
        return self._manifest

    def url(self, name: str) -> str:
        """The fingerprinted URL path of ``name`` (``css/site.css``), under :attr:`prefix`.

        For example ``/static/css/site.3f2a9c0b1d4e.css``.

        Raises:
            UnknownStaticFile: no folder had ``name`` at startup.
        """
        try:
            fingerprinted = self.manifest.fingerprinted(name)
        except UnknownStaticFile:
            raise _unknown(name, self.directories) from None
        return f"{self.prefix}/{quote(fingerprinted)}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request (and, when used on its own, the lifespan protocol)."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
            return
        if scope["method"] not in ("GET", "HEAD"):
            error: HTTPException = MethodNotAllowed(("GET", "HEAD"))
            await _problem(error, scope, receive, send)
            return
        try:
            path = route_path(scope)
        except BadRequest as exc:
            await _problem(exc, scope, receive, send)
            return
        found = await self._find(path)
        if found is None:
            await _problem(NotFound(detail="No static file at this path."), scope, receive, send)
            return
        file, fingerprinted = found
        headers = {"cache-control": IMMUTABLE if fingerprinted else self.cache_control}
        target = file.path
        if file.encodings:
            # The response differs by Accept-Encoding whichever file is sent (RFC 9110 §12.5.5).
            headers["vary"] = "Accept-Encoding"
            accept = Headers(raw=scope.get("headers", [])).get("accept-encoding")
            coding = choose_encoding(accept, [coding for coding, _ in file.encodings])
            if coding is not None:
                headers["content-encoding"] = coding
                target = dict(file.encodings)[coding]
        response = FileResponse(target, headers=headers, media_type=file.media_type)
        await response(scope, receive, send)

    async def _find(self, path: str) -> tuple[StaticFile, bool] | None:
        segments = split_request_path(path)
        if segments is None:
            return None
        manifest = self._manifest if self._manifest is not None else await run_sync(self.load)
        found = manifest.lookup("/".join(segments))
        if found is not None:
            return found
        # Added since startup: served by its plain name only, looked up safely on disk.
        live = await run_sync(self._on_disk, segments)
        return None if live is None else (live, False)

    def _on_disk(self, segments: tuple[str, ...]) -> StaticFile | None:
        for root in self.directories:
            path = resolve_in(root, segments)
            if path is not None:
                return describe(path, "/".join(segments), root=root)
        return None

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await run_sync(self.load)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def static_apps(directories: Sequence[tuple[str, Path]]) -> list[StaticFiles]:
    """One scanned :class:`StaticFiles` per prefix, from ``(prefix, folder)`` pairs.

    Folders sharing a prefix are served by the same app, in declaration order, so the first
    declared overrides the later ones. This is how :class:`~schooner.App` serves the folders
    of ``app.add_static_dir``.
    """
    grouped: dict[str, list[Path]] = {}
    for prefix, directory in directories:
        grouped.setdefault(prefix, []).append(directory)
    apps = [StaticFiles(folders, prefix=prefix) for prefix, folders in grouped.items()]
    for app in apps:
        app.load()
    return apps


def static_url(apps: Sequence[StaticFiles], name: str) -> str:
    """The fingerprinted URL of ``name`` from the first of ``apps`` that has it.

    Raises:
        UnknownStaticFile: none of them has it.
    """
    for app in apps:
        if name.lstrip("/") in app.manifest:
            return app.url(name)
    if not apps:
        raise UnknownStaticFile(
            f"Cannot build a URL for {name!r}: the app serves no static files. "
            "Declare a folder with app.add_static_dir('static')."
        )
    raise _unknown(name, [directory for app in apps for directory in app.directories])


def _unknown(name: str, directories: Sequence[Path]) -> UnknownStaticFile:
    folders = ", ".join(str(directory) for directory in directories)
    return UnknownStaticFile(
        f"No static file is named {name!r} in {folders}. Name it relative to its folder "
        "(e.g. 'css/site.css'); files added after startup are found after a restart."
    )


def _folder(directory: str | os.PathLike[str]) -> Path:
    path = Path(directory).resolve()
    if not path.is_dir():
        raise ImproperlyConfigured(f"Static folder {os.fspath(directory)!r} does not exist.")
    return path


async def _problem(error: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    response = ProblemResponse(
        error.to_problem(), status_code=error.status_code, headers=error.headers
    )
    await response(scope, receive, send)
