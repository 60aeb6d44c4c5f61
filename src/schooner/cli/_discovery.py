"""Finding the user's app from what was typed on the command line, Flask-style.

``APP`` may be:

* ``module`` — the module's ``app``, else ``application``, else its only ``App`` instance;
* ``module:attr`` — a named attribute (a dotted path such as ``main:api.app`` works too);
* ``module:create_app()`` — a factory, called without arguments (uvicorn calls it again in
  each worker, so it cannot take any);
* ``path/to/file.py`` or ``path/to/file.py:attr`` — a file; its folder (or the folder above
  its package) goes first on ``sys.path`` and it is imported under its module name.

Without ``APP``, ``--app`` or ``SCHOONER_APP``, the ``app.py`` in the current folder is used.
A missing module, file or attribute is a clean :class:`AppNotFound` error that says what was
tried; an exception raised *inside* the user's module propagates with its traceback.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from schooner.app import App
from schooner.exceptions import SchoonerError

_ATTR = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_HOW = (
    "Pass APP as 'module', 'module:app', 'module:create_app()' or 'path/to/app.py', "
    "use --app, or set SCHOONER_APP."
)


class AppNotFound(SchoonerError, click.UsageError):
    """The CLI could not find the app: the message says what was tried and how to fix it."""


@dataclass(frozen=True, slots=True)
class LoadedApp:
    """An app found by :func:`locate_app`, with what a server needs to import it again.

    Attributes:
        app: the application object.
        import_string: ``"module:attr"`` for uvicorn (the factory's name when ``factory``).
        app_dir: the folder that must be on ``sys.path`` for ``import_string`` to import.
        factory: ``import_string`` names a factory that uvicorn must call.
    """

    app: App
    import_string: str
    app_dir: str
    factory: bool = False


def locate_app(target: str | None, *, cwd: Path | None = None) -> LoadedApp:
    """Import the module ``target`` points at and return its :class:`~schooner.App`.

    Args:
        target: ``module``, ``module:attr``, ``module:factory()``, ``file.py`` or
            ``file.py:attr``; ``None`` means ``app.py`` in ``cwd``.
        cwd: the folder relative paths and plain module names are resolved from; defaults
            to the current working directory.

    Raises:
        AppNotFound: the file, module or attribute does not exist, or is not an ``App``.
    """
    base = (cwd or Path.cwd()).resolve()
    if target is None:
        if not (base / "app.py").is_file():
            raise AppNotFound(f"Could not find an app: there is no app.py in {base}. {_HOW}")
        target = "app.py"
    location, attr = _split(target)
    if location.endswith(".py") or "/" in location or "\\" in location:
        module_name, app_dir = _file_module(base / location, location)
    else:
        if not location or not all(part.isidentifier() for part in location.split(".")):
            raise AppNotFound(f"'{location}' is not a module name or a .py file. {_HOW}")
        module_name, app_dir = location, base
    module = _import(module_name, app_dir)
    if attr is None:
        name, app = _find_app(module)
        return LoadedApp(app, f"{module_name}:{name}", str(app_dir))
    factory = attr.endswith("()")
    name = attr.removesuffix("()")
    app = _resolve(module, name, factory=factory)
    return LoadedApp(app, f"{module_name}:{name}", str(app_dir), factory)


def _split(target: str) -> tuple[str, str | None]:
    location, sep, attr = target.rpartition(":")
    # "C:\\project\\app.py" has a colon that is not an attribute separator.
    if not sep or not attr or attr.startswith(("/", "\\")):
        return target, None
    if "(" in attr:
        if not attr.endswith("()") or not _ATTR.fullmatch(attr[:-2]):
            raise AppNotFound(
                f"'{attr}' is not a factory call Schooner can make: write 'create_app()' "
                "without arguments (the server calls the factory again in each worker, so "
                "it cannot pass any; read settings inside the factory instead)."
            )
    elif not _ATTR.fullmatch(attr):
        raise AppNotFound(f"'{attr}' in '{target}' is not a valid attribute name. {_HOW}")
    return location, attr


def _file_module(path: Path, typed: str) -> tuple[str, Path]:
    """Return the dotted module name of ``path`` and the folder to import it from."""
    path = path.resolve()
    if path.is_dir():
        if not (path / "__init__.py").is_file():
            raise AppNotFound(
                f"'{typed}' is a folder, not a package (it has no __init__.py): "
                "point at the .py file that defines the app instead."
            )
    elif not path.is_file():
        raise AppNotFound(f"File '{typed}' does not exist (looked for {path}). {_HOW}")
    elif path.suffix != ".py":
        raise AppNotFound(f"File '{typed}' is not a Python file (.py). {_HOW}")
    else:
        path = path.with_suffix("")
        if path.name == "__init__":
            path = path.parent
    parts: list[str] = []
    # Walk up through packages so that "pkg/app.py" imports as "pkg.app" and its relative
    # imports work, as `python -m pkg.app` would.
    while True:
        parts.append(path.name)
        path = path.parent
        if not (path / "__init__.py").is_file():
            break
    name = ".".join(reversed(parts))
    if not all(part.isidentifier() for part in parts):
        raise AppNotFound(
            f"'{typed}' cannot be imported as a module: '{name}' is not a valid module name. "
            "Rename the file (and its packages) to use only letters, digits and underscores."
        )
    return name, path


def _import(module_name: str, app_dir: Path) -> ModuleType:
    folder = str(app_dir)
    if not sys.path or sys.path[0] != folder:
        sys.path.insert(0, folder)
    # A module of that name imported from another folder (another project's app.py, in the
    # same process) is not this one: import this folder's afresh.
    existing = sys.modules.get(module_name)
    existing_file = getattr(existing, "__file__", None)
    if existing_file and not Path(existing_file).resolve().is_relative_to(app_dir.resolve()):
        del sys.modules[module_name]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name != missing and not module_name.startswith(missing + "."):
            raise  # the user's module imports something that is missing: show where
        raise AppNotFound(
            f"Could not import '{module_name}': there is no module '{missing}' in {folder} "
            f"or among the installed packages. {_HOW}"
        ) from None


def _find_app(module: ModuleType) -> tuple[str, App]:
    for name in ("app", "application"):
        value = getattr(module, name, None)
        if isinstance(value, App):
            return name, value
    found: dict[int, str] = {}
    for name, value in vars(module).items():
        if isinstance(value, App):
            found.setdefault(id(value), name)
    names = list(found.values())
    if len(names) == 1:
        return names[0], getattr(module, names[0])
    label = module.__name__
    if names:
        listed = ", ".join(f"'{n}'" for n in names)
        raise AppNotFound(
            f"Module '{label}' has several App instances ({listed}); choose one, "
            f"e.g. '{label}:{names[0]}'."
        )
    raise AppNotFound(
        f"Module '{label}' has no App: looked for 'app', 'application' and any App instance. "
        f"Name your app 'app', or point at it: '{label}:my_app', or at a factory: "
        f"'{label}:create_app()'."
    )


def _resolve(module: ModuleType, name: str, *, factory: bool) -> App:
    label = f"{module.__name__}:{name}"
    value: Any = module
    for part in name.split("."):
        if not hasattr(value, part):
            raise AppNotFound(f"Module '{module.__name__}' has no attribute '{name}'. {_HOW}")
        value = getattr(value, part)
    if factory:
        if not callable(value):
            raise AppNotFound(f"'{label}' is not callable, so it cannot be an app factory.")
        try:
            inspect.signature(value).bind()
        except TypeError:
            raise AppNotFound(
                f"The factory '{label}' needs arguments, but the server calls it without "
                "any. Give its parameters defaults, or read settings inside it."
            ) from None
        except ValueError:  # pragma: no cover - builtins without a signature
            pass
        value = value()
        what = "returned"
    else:
        what = "is"
    if isinstance(value, App):
        return value
    hint = ""
    if not factory and inspect.isfunction(value):
        hint = f" If it is a factory that returns the app, call it: '{label}()'."
    raise AppNotFound(f"'{label}' {what} a {type(value).__name__}, not a Schooner App.{hint}")
