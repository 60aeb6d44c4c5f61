"""The ``schooner`` command line: run, serve and inspect an app.

``schooner run app.py`` starts a reloading development server; ``schooner serve app:app``
the production one. ``schooner routes``, ``schooner middleware``, ``schooner settings`` and
``schooner openapi`` show what the app will do without starting a server. Components add
their own commands (``app.add_command``), which appear next to these when the app can be
found.

The app is found Flask-style (see :func:`locate_app`): ``APP`` on the command line, else
``--app`` or ``SCHOONER_APP``, else ``app.py`` in the current folder.
"""

from __future__ import annotations

from schooner.cli._commands import main
from schooner.cli._discovery import AppNotFound, LoadedApp, locate_app
from schooner.cli._openapi import openapi

main.add_command(openapi)

__all__ = ["AppNotFound", "LoadedApp", "locate_app", "main"]
