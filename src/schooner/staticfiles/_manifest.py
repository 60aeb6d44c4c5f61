"""The manifest: every static file found at startup, its content hash and fingerprinted name.

Folders are scanned once, in order; the first folder that has a given relative path wins,
so a project's folder declared before a component's overrides the component's files. Hidden
files and folders (a name starting with ``.``) are skipped, and so are symlinks that lead
outside their folder. ``site.css.br`` and ``site.css.gz`` next to ``site.css`` are recorded
as its precompressed siblings rather than as files of their own.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from schooner.exceptions import SchoonerError
from schooner.staticfiles._encoding import SIBLINGS
from schooner.staticfiles._paths import (
    DIGEST_LENGTH,
    fingerprint_name,
    resolve_in,
    split_fingerprint,
)

# Types that matter on the web and that system mime.types files get wrong or lack.
_MEDIA_TYPES = {
    ".avif": "image/avif",
    ".css": "text/css",
    ".js": "text/javascript",  # RFC 9239
    ".json": "application/json",
    ".map": "application/json",
    ".mjs": "text/javascript",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
# Textual types that are not text/* but still need a charset for browsers to decode them.
_TEXTUAL = {"application/json", "application/manifest+json", "application/xml", "image/svg+xml"}


class UnknownStaticFile(SchoonerError, LookupError):
    """``static_url`` was asked for a file that no static folder had when the app started."""


@dataclass(frozen=True, slots=True)
class StaticFile:
    """One servable file.

    Attributes:
        name: the path relative to its folder, with ``/`` separators (``css/site.css``).
        path: the file on disk (symlinks resolved).
        digest: the first characters of the SHA-256 of its content (empty for a file found
            after startup, which has no fingerprinted name).
        media_type: its ``Content-Type``, with ``charset=utf-8`` for textual types.
        encodings: ``(coding, path)`` of its precompressed siblings, ``br`` first.
    """

    name: str
    path: Path
    digest: str
    media_type: str
    encodings: tuple[tuple[str, Path], ...] = ()

    @property
    def fingerprinted(self) -> str:
        """The name with the digest before the extension: ``css/site.<digest>.css``."""
        return fingerprint_name(self.name, self.digest)


class Manifest:
    """Logical names → :class:`StaticFile`, and the fingerprinted names that lead to them.

    Args:
        files: the files by logical name.
    """

    def __init__(self, files: Mapping[str, StaticFile]) -> None:
        self.files = dict(files)

    @classmethod
    def scan(cls, directories: Sequence[Path]) -> Manifest:
        """Hash every file of ``directories`` (resolved folders), the first folder winning."""
        files: dict[str, StaticFile] = {}
        for root in directories:
            for path, name in _walk(root):
                if name not in files:
                    files[name] = describe(path, name, root=root, digest=_digest(path))
        return cls(files)

    def lookup(self, name: str) -> tuple[StaticFile, bool] | None:
        """Find the file a request names, and whether it was named by its fingerprint.

        A fingerprinted name whose digest is not the file's current one finds nothing.
        """
        found = self.files.get(name)
        if found is not None:
            return found, False
        for logical, digest in split_fingerprint(name):
            found = self.files.get(logical)
            if found is not None and found.digest == digest:
                return found, True
        return None

    def fingerprinted(self, name: str) -> str:
        """The fingerprinted name of ``name``.

        Raises:
            UnknownStaticFile: no folder had ``name`` when the manifest was made.
        """
        found = self.files.get(name.lstrip("/"))
        if found is None:
            raise UnknownStaticFile(f"No static file is named {name!r}.")
        return found.fingerprinted

    def as_dict(self) -> dict[str, str]:
        """Logical name → fingerprinted name, sorted by name (what ``manifest.json`` holds)."""
        return {name: self.files[name].fingerprinted for name in sorted(self.files)}

    def __len__(self) -> int:
        return len(self.files)

    def __contains__(self, name: object) -> bool:
        return name in self.files


def describe(path: Path, name: str, *, root: Path, digest: str = "") -> StaticFile:
    """Describe the file at ``path`` under ``root``: media type and precompressed siblings.

    A sibling counts only if it is a regular file inside ``root`` (after symlinks).
    """
    encodings = tuple(
        (coding, sibling)
        for coding, suffix in SIBLINGS
        if (sibling := resolve_in(root, (*path.relative_to(root).parts[:-1], path.name + suffix)))
    )
    return StaticFile(name, path, digest, media_type(name), encodings)


def media_type(name: str) -> str:
    """The ``Content-Type`` to send for ``name``, with ``charset=utf-8`` when textual."""
    suffix = os.path.splitext(name)[1].lower()
    guessed = _MEDIA_TYPES.get(suffix) or mimetypes.guess_type(name, strict=False)[0]
    media = guessed or "application/octet-stream"
    if media.startswith("text/") or media in _TEXTUAL:
        media += "; charset=utf-8"
    return media


def _digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:DIGEST_LENGTH]


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Yield ``(resolved file, logical name)`` for each servable file under ``root``."""
    seen = {root}
    for folder, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(folder)
        kept = []
        for dirname in sorted(dirnames):
            target = (here / dirname).resolve()
            # Stay inside the root and never walk a folder twice (symlink loops).
            if dirname.startswith(".") or not target.is_relative_to(root) or target in seen:
                continue
            seen.add(target)
            kept.append(dirname)
        dirnames[:] = kept
        names = set(filenames)
        for filename in sorted(filenames):
            if filename.startswith(".") or _is_sibling(filename, names):
                continue
            target = (here / filename).resolve()
            if target.is_relative_to(root) and target.is_file():
                yield target, (here / filename).relative_to(root).as_posix()


def _is_sibling(filename: str, names: set[str]) -> bool:
    return any(
        filename.endswith(suffix) and filename[: -len(suffix)] in names for _, suffix in SIBLINGS
    )
