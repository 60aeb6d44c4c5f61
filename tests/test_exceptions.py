"""The exception tree: everything Schooner exports as an exception is a SchoonerError."""

from __future__ import annotations

import importlib
import pkgutil

import schooner
from schooner.exceptions import SchoonerError


def exported_exceptions() -> dict[type[BaseException], str]:
    """Every exception class in the ``__all__`` of a core module, with where it was found."""
    found: dict[type[BaseException], str] = {}
    modules = [schooner.__name__]
    for info in pkgutil.walk_packages(schooner.__path__, "schooner."):
        if info.name.startswith("schooner.contrib") or info.name.endswith("__main__"):
            continue
        modules.append(info.name)
    for name in modules:
        module = importlib.import_module(name)
        for item in getattr(module, "__all__", ()):
            obj = getattr(module, item)
            if isinstance(obj, type) and issubclass(obj, BaseException):
                found.setdefault(obj, f"{name}.{item}")
    return found


def test_every_exported_exception_is_a_schooner_error() -> None:
    """Catching SchoonerError catches every exception a core module exports (not warnings)."""
    found = exported_exceptions()
    outside = sorted(
        where for cls, where in found.items() if not issubclass(cls, SchoonerError | Warning)
    )
    assert outside == []
    # The walk must see the classes that were once outside the tree, or it proves nothing.
    names = {cls.__name__ for cls in found}
    assert {"ClientDisconnect", "WebSocketRejected", "AppNotFound", "HTTPException"} <= names


def test_the_drawn_tree_names_every_exported_exception() -> None:
    """The tree in the exceptions module docstring lists each exported exception class."""
    tree = importlib.import_module("schooner.exceptions").__doc__ or ""
    missing = sorted(cls.__name__ for cls in exported_exceptions() if cls.__name__ not in tree)
    assert missing == []


def test_other_bases_are_kept() -> None:
    """Exceptions that also belong to another family still do (LookupError, click's usage)."""
    import click

    from schooner.cli import AppNotFound
    from schooner.staticfiles import UnknownStaticFile

    assert issubclass(AppNotFound, click.UsageError)
    assert issubclass(UnknownStaticFile, LookupError)
