"""The pitfall shown in docs/quickstart.md happens as described, and its fix works.

Covers pitfalls_local_types.py (types inside ``setup()``) and pitfalls_module_types.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _loading import docs_example

from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"


def test_types_declared_inside_setup_stop_the_app() -> None:
    """A body type declared in setup() cannot be resolved: startup fails, naming it."""
    example = docs_example("pitfalls_local_types", "pitfalls")
    with pytest.raises(ImproperlyConfigured) as refused:
        example.app.build()
    shown = f"ImproperlyConfigured: {refused.value}\n".replace(example.__name__, "app")
    assert shown == (DOCS / "pitfalls_local_types.txt").read_text()


def test_types_declared_at_module_level_work() -> None:
    """The same component with its type at module level validates and answers."""
    example = docs_example("pitfalls_module_types", "pitfalls")
    with TestClient(example.app) as client:
        created = client.post("/notes", json={"text": "Check the rigging"})
        assert created.status_code == 201
        assert created.json() == {"text": "Check the rigging"}
        assert client.post("/notes", json={"text": ""}).status_code == 422
