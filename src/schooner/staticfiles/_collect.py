"""``schooner static collect``: copy every static folder into one tree a web server can serve.

The output mirrors the URLs: a file served at ``/static/css/site.css`` is copied to
``OUTPUT/static/css/site.css`` and to its fingerprinted name ``OUTPUT/static/css/site.<digest>.css``
(with its ``.br``/``.gz`` siblings under both names), so nginx can serve ``OUTPUT`` as its
root. Only the file that would be served is copied when folders override each other.
``OUTPUT/manifest.json`` maps each URL path to its fingerprinted URL path.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from schooner.exceptions import ImproperlyConfigured
from schooner.staticfiles._app import StaticFiles
from schooner.staticfiles._encoding import SIBLINGS

MANIFEST_NAME = "manifest.json"
"""The file, at the top of the output folder, that maps URL paths to fingerprinted ones."""

_SUFFIXES = dict(SIBLINGS)


@dataclass(frozen=True, slots=True)
class Collected:
    """What :func:`collect` wrote.

    Attributes:
        files: how many static files were collected (each under two names).
        manifest: URL path → fingerprinted URL path, as written to ``manifest.json``.
    """

    files: int
    manifest: dict[str, str]


def collect(apps: Sequence[StaticFiles], output: Path, *, clear: bool = False) -> Collected:
    """Copy the files of ``apps`` into ``output`` and write ``manifest.json``.

    Args:
        apps: the static apps (one per prefix), their folders in override order.
        output: the folder to write; created if missing.
        clear: delete everything in ``output`` first (files that no longer exist would
            otherwise stay); only a folder that a previous collect made can be cleared.

    Raises:
        ImproperlyConfigured: ``output`` is one of the static folders, or inside or around
            one (collecting would copy files into their own source, or delete it), or
            ``clear`` was asked for a folder that collect did not make.
    """
    output = output.resolve()
    for app in apps:
        for directory in app.directories:
            if output.is_relative_to(directory) or directory.is_relative_to(output):
                raise ImproperlyConfigured(
                    f"The output folder {str(output)!r} overlaps the static folder "
                    f"{str(directory)!r}; choose a folder outside your sources, e.g. "
                    "'build/static'."
                )
    if clear and output.exists() and any(output.iterdir()):
        if not (output / MANIFEST_NAME).is_file():
            raise ImproperlyConfigured(
                f"Refusing to clear {str(output)!r}: it has no {MANIFEST_NAME}, so it was not "
                "made by 'schooner static collect'. Empty it yourself or pick another folder."
            )
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str] = {}
    count = 0
    for app in apps:
        base = output.joinpath(*app.prefix.strip("/").split("/"))
        for name, file in sorted(app.load().files.items()):
            for target in (name, file.fingerprinted):
                _copy(file.path, base / target)
                for coding, sibling in file.encodings:
                    _copy(sibling, base / (target + _SUFFIXES[coding]))
            manifest[f"{app.prefix}/{name}"] = f"{app.prefix}/{file.fingerprinted}"
            count += 1
    text = json.dumps({"version": 1, "files": manifest}, indent=2, sort_keys=True)
    (output / MANIFEST_NAME).write_text(text + "\n", encoding="utf-8")
    return Collected(count, manifest)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # copy2 keeps the modification time, so the web server's Last-Modified and ETag stay put.
    shutil.copy2(source, target)
