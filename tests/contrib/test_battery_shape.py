"""Every battery has the shape docs/components.md describes, and the page's table is the tree."""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import pytest

from schooner.contrib._config import ComponentConfig
from schooner.exceptions import SchoonerError

ROOT = Path(__file__).resolve().parents[2]
CONTRIB = ROOT / "src" / "schooner" / "contrib"
PAGE = ROOT / "docs" / "components.md"
BATTERIES = [
    "sessions",
    "csrf",
    "cache",
    "ratelimit",
    "security",
    "templates",
    "forms",
    "mail",
    "auth",
    "admin",
]
SHAPE_FILES = ["_config", "_component", "_routes", "_middleware", "exceptions", "testing"]
MAX_LINES = 400


def grid() -> dict[str, list[str]]:
    """The rows of the page's battery table: battery -> its cells, in column order."""
    lines = PAGE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| battery | `_config.py`"))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        found = re.match(r"^\| `(\w+)` \|(.*)\|$", line)
        if found is None:
            break  # the end of the table
        rows[found.group(1)] = [cell.strip() for cell in found.group(2).split("|")]
    return rows


def names(cell: str) -> set[str]:
    """The code names listed in a table cell (none for a dash)."""
    return set(re.findall(r"`([^`]+)`", cell))


def package(battery: str) -> ModuleType:
    return importlib.import_module(f"schooner.contrib.{battery}")


def test_the_page_has_a_row_for_every_battery() -> None:
    """The table lists the ten batteries, each with all its columns."""
    rows = grid()
    assert sorted(rows) == sorted(BATTERIES)
    assert {len(cells) for cells in rows.values()} == {len(SHAPE_FILES) + 2}


@pytest.mark.parametrize("battery", BATTERIES)
def test_the_table_row_is_the_batterys_tree(battery: str) -> None:
    """A dash means the file is absent; otherwise it exists and defines the names listed."""
    cells = grid()[battery]
    folder = CONTRIB / battery
    for file, cell in zip(SHAPE_FILES, cells, strict=False):
        path = folder / f"{file}.py"
        if cell == "—":
            assert not path.exists(), f"{battery}/{file}.py exists but the page says —"
            continue
        assert path.exists(), f"the page lists {battery}/{file}.py"
        module = importlib.import_module(f"schooner.contrib.{battery}.{file}")
        for name in names(cell):
            assert hasattr(module, name), f"{battery}/{file}.py has no {name}"
        if file == "testing":  # every helper function is listed (result types need not be)
            helpers = {n for n in module.__all__ if inspect.isfunction(getattr(module, n))}
            assert helpers <= names(cell) <= set(module.__all__)
    shipped, engine = cells[len(SHAPE_FILES) :]
    assert ((folder / "templates").is_dir()) == ("templates/" in names(shipped))
    modules = {
        path.stem
        for path in folder.glob("*.py")
        if path.stem != "__init__" and path.stem not in SHAPE_FILES
    }
    packages = {f"{path.parent.name}/" for path in folder.glob("*/__init__.py")}
    assert modules | packages == names(engine)


@pytest.mark.parametrize("battery", BATTERIES)
def test_no_module_is_too_long(battery: str) -> None:
    """One concept per module: none of a battery's modules, in its sub-packages too, is over
    400 lines."""
    for path in (CONTRIB / battery).rglob("*.py"):
        lines = len(path.read_text().splitlines())
        name = path.relative_to(CONTRIB / battery).as_posix()
        assert lines <= MAX_LINES, f"{name} has {lines} lines"


@pytest.mark.parametrize("battery", BATTERIES)
def test_exceptions_are_schooner_errors_and_public(battery: str) -> None:
    """Each exception is under SchoonerError and importable from the battery itself."""
    try:
        module = importlib.import_module(f"schooner.contrib.{battery}.exceptions")
    except ModuleNotFoundError:
        assert "exceptions" in (package(battery).__doc__ or ""), "say why there are none"
        return
    assert "SchoonerError" in (module.__doc__ or "")  # the tree is drawn
    for name in module.__all__:
        error = getattr(module, name)
        assert issubclass(error, SchoonerError)
        assert error.__doc__
        assert getattr(package(battery), name) is error


@pytest.mark.parametrize("battery", BATTERIES)
def test_testing_helpers_are_documented_and_sorted(battery: str) -> None:
    """A testing module teaches its use in its docstring; its names are sorted and documented."""
    try:
        module = importlib.import_module(f"schooner.contrib.{battery}.testing")
    except ModuleNotFoundError:
        assert "testing" in (package(battery).__doc__ or ""), "say why there is none"
        return
    assert "::" in (module.__doc__ or "")  # an example
    assert list(module.__all__) == sorted(module.__all__, key=lambda n: (n[0].islower(), n))
    for name in module.__all__:
        assert getattr(module, name).__doc__


def component_and_config(battery: str) -> tuple[type[Any], type[ComponentConfig] | None]:
    module = package(battery)
    component = next(
        getattr(module, name)
        for name in module.__all__
        if inspect.isclass(getattr(module, name)) and hasattr(getattr(module, name), "setup")
    )
    configs = [
        getattr(module, name)
        for name in module.__all__
        if inspect.isclass(getattr(module, name))
        and issubclass(getattr(module, name), ComponentConfig)
    ]
    return component, configs[0] if configs else None


@pytest.mark.parametrize("battery", [b for b in BATTERIES if b != "forms"])
def test_keyword_options_are_the_config_fields(battery: str) -> None:
    """The component's keywords (and first parameter) are exactly its config's fields."""
    component, config = component_and_config(battery)
    assert config is not None
    assert config.__name__.endswith("Config")
    hints = typing.get_type_hints(component.__init__, include_extras=True)
    options = typing.get_args(hints["options"])[0]
    keywords = set(options.__annotations__)
    parameters = inspect.signature(component.__init__).parameters
    positional = {
        name
        for name, parameter in parameters.items()
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and name != "self"
    }
    assert keywords | positional == {f.name for f in msgspec.structs.fields(config)}
    assert not keywords & positional
    assert "config" in parameters


@pytest.mark.parametrize("battery", [b for b in BATTERIES if b != "forms"])
def test_the_component_exposes_its_config(battery: str, tmp_path: Path) -> None:
    """component.config is the validated config; each config class has its env prefix."""
    component, config = component_and_config(battery)
    assert config is not None
    made = component(tmp_path) if battery == "templates" else component()
    assert isinstance(made.config, config)
    assert config.env_prefix == f"{battery.upper()}_"
