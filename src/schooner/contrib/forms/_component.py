"""The ``Forms`` component: makes the rendering macros available to templates."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["Forms"]

TEMPLATES = Path(__file__).parent / "templates"


class Forms:
    """Turn on form rendering: ``App(components=[Templates(...), Forms()])``.

    Ships a template folder (it is a ``TemplateFolders`` component), whose
    ``forms/macros.html`` has the ``field`` and ``fields`` macros. A project restyles every
    form by putting its own ``forms/macros.html`` in its template folder (the project's
    folders are searched first).
    Parsing and validating forms needs no component.
    """

    name = "forms"

    def setup(self, app: App) -> None:
        """Nothing to set up: the templates battery finds :meth:`template_folders`."""

    def template_folders(self) -> Sequence[Path]:
        """The battery's folder, with ``forms/macros.html``."""
        return [TEMPLATES]
