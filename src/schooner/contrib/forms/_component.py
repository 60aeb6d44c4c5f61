"""The ``Forms`` component: makes the rendering macros available to templates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["Forms"]

TEMPLATES = Path(__file__).parent / "templates"


class Forms:
    """Turn on form rendering: ``App(components=[Templates(...), Forms()])``.

    Adds the battery's template folder, whose ``forms/macros.html`` has the ``field`` and
    ``fields`` macros. A project restyles every form by putting its own
    ``forms/macros.html`` in its template folder (the project's folders are searched first).
    Parsing and validating forms needs no component.
    """

    name = "forms"

    def setup(self, app: App) -> None:
        """Add the macros' folder to the template search path."""
        app.add_template_dir(TEMPLATES)
