"""Static files: serving folders, fingerprinted URLs and ``schooner static collect``.

Declare a folder with ``app.add_static_dir("static")`` (components do the same for theirs)
and the app serves it under ``/static``. Every file is hashed when the app starts;
``app.static_url("css/site.css")`` returns ``/static/css/site.<digest>.css``, a URL whose
content can never change, so browsers may cache it for a year. The plain name still works,
revalidated on every use. Precompressed ``.br``/``.gz`` siblings are sent to clients that
accept them, and ``schooner static collect --output DIR`` copies everything into one folder
for nginx or a CDN.

:class:`StaticFiles` is an ordinary ASGI app, so it can also be mounted by hand::

    assets = StaticFiles(["assets"], prefix="/assets")
    app.mount("/assets", assets)
"""

from __future__ import annotations

from schooner.staticfiles._app import StaticFiles, static_apps, static_url
from schooner.staticfiles._collect import Collected, collect
from schooner.staticfiles._manifest import Manifest, StaticFile, UnknownStaticFile

__all__ = [
    "Collected",
    "Manifest",
    "StaticFile",
    "StaticFiles",
    "UnknownStaticFile",
    "collect",
    "static_apps",
    "static_url",
]
