"""The ``Forms`` component: makes the rendering macros available to templates."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from schooner.contrib.templates import Templates

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["Forms"]

TEMPLATES = Path(__file__).parent / "templates"


class Forms:
    """Turn on form rendering: ``App(components=[Templates(...), Forms()])``.

    Ships a template folder (it is a ``TemplateFolders`` component), whose
    ``forms/macros.html`` has the ``field`` and ``fields`` macros. A project restyles every
    form by putting its own ``forms/macros.html`` in its template folder (the project's
    folders are searched first). Takes no options. Parsing and validating forms needs no
    component.

    Raises:
        ImproperlyConfigured: at setup, when ``Templates`` is not listed before it.
    """

    name = "forms"

    def setup(self, app: App) -> None:
        """Require the templates battery, which finds :meth:`template_folders` itself."""
        app.require(Templates, by=self)

    def template_folders(self) -> Sequence[Path]:
        """The battery's folder, with ``forms/macros.html``."""
        return [TEMPLATES]
