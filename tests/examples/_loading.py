"""Importing example files afresh, under private module names (shared by the example tests).

Each import registers the module in ``sys.modules`` so msgspec, dataclasses and pydantic can
resolve its string annotations.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"
# The Redis database the Redis-backed examples use: TEST_REDIS_URL keeps parallel runs apart.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def import_file(path: Path, name: str) -> ModuleType:
    """Import the file at ``path`` as the module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def docs_example(name: str, prefix: str) -> ModuleType:
    """Import ``examples/docs/<name>.py`` as ``<prefix>_<name>``."""
    return import_file(DOCS / f"{name}.py", f"{prefix}_{name}")
