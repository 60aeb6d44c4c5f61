"""Keeps each public package's ``__all__`` honest and documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

PACKAGES = [
    "schooner",
    "schooner.config",
    "schooner.datastructures",
    "schooner.di",
    "schooner.http",
    "schooner.middleware",
    "schooner.openapi",
    "schooner.routing",
    "schooner.staticfiles",
    "schooner.testing",
    "schooner.websockets",
    # batteries
    "schooner.contrib.admin",
    "schooner.contrib.cache",
    "schooner.contrib.csrf",
    "schooner.contrib.forms",
    "schooner.contrib.mail",
    "schooner.contrib.ratelimit",
    "schooner.contrib.security",
    "schooner.contrib.sessions",
    "schooner.contrib.sessions.database",
    "schooner.contrib.templates",
]


def _isort_key(name: str) -> tuple[int, str]:
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1 if name[:1].isupper() else 2, name)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    """Every name in ``__all__`` exists, is listed once, and the list is sorted.

    The order is plain sorting or ruff's (RUF022: CONSTANTS, Classes, functions).
    """
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported in (sorted(exported), sorted(exported, key=_isort_key))
    assert len(set(exported)) == len(exported)
    for item in exported:
        assert getattr(module, item) is not None


@pytest.mark.parametrize("name", PACKAGES)
def test_public_names_have_docstrings(name: str) -> None:
    """Each exported class and function says what it is for."""
    module = importlib.import_module(name)
    assert module.__doc__
    for item in module.__all__:
        obj = getattr(module, item)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{name}.{item} has no docstring"


def test_top_level_api_is_short_and_exact() -> None:
    """``schooner.__all__`` is the curated list of about 25 names."""
    import schooner

    assert set(schooner.__all__) == {
        "App",
        "Body",
        "Component",
        "Cookie",
        "FileResponse",
        "Form",
        "HTMLResponse",
        "HTTPError",
        "HTTPException",
        "Header",
        "Inject",
        "JSONResponse",
        "Middleware",
        "Path",
        "PlainTextResponse",
        "Query",
        "RedirectResponse",
        "Request",
        "Response",
        "Router",
        "Settings",
        "StreamingResponse",
        "UploadFile",
    }
    assert schooner.HTTPError is schooner.HTTPException
