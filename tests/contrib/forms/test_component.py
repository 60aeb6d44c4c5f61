"""The Forms component builds on the templates battery, which must be listed first."""

from __future__ import annotations

from pathlib import Path

import pytest

from schooner import App
from schooner.contrib.forms import Forms
from schooner.contrib.templates import Templates
from schooner.exceptions import ImproperlyConfigured


def test_forms_without_templates_is_a_startup_error() -> None:
    """Forms() alone would ship macros nobody can render: the error says what to add."""
    with pytest.raises(ImproperlyConfigured, match=r"Forms\(\) needs Templates\(\): add"):
        App(components=[Forms()])


def test_forms_before_templates_says_to_move_it(tmp_path: Path) -> None:
    """Listed before Templates, the error says to reorder the list."""
    with pytest.raises(ImproperlyConfigured, match="listed after it: move Templates"):
        App(components=[Forms(), Templates(tmp_path)])


def test_the_macros_are_found_through_the_templates_battery(tmp_path: Path) -> None:
    """With Templates first, forms/macros.html is on the template path."""
    templates = Templates(tmp_path)
    App(components=[templates, Forms()])
    loader = templates.env.loader
    assert loader is not None
    source, _, _ = loader.get_source(templates.env, "forms/macros.html")
    assert "macro fields" in source
