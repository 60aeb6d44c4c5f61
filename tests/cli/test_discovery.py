"""Tests for finding the app from the command line: every APP form and every error."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from schooner import App
from schooner.cli import AppNotFound, locate_app

WriteModule = Callable[..., str]

ONE_APP = """
from schooner import App
{name} = App()
"""


@pytest.mark.parametrize("name", ["app", "application", "api"])
def test_module_finds_app_application_or_the_only_instance(
    write_module: WriteModule, name: str
) -> None:
    """A bare module name finds 'app', 'application' or its single App instance."""
    module = write_module(ONE_APP.format(name=name))
    loaded = locate_app(module)
    assert loaded.app is getattr(sys.modules[module], name)
    assert loaded.import_string == f"{module}:{name}"
    assert not loaded.factory


def test_module_prefers_app_over_other_instances(write_module: WriteModule) -> None:
    """'app' is chosen even when the module holds other App instances."""
    module = write_module("from schooner import App\nadmin = App()\napp = App()\n")
    assert locate_app(module).import_string == f"{module}:app"


def test_aliases_of_one_instance_count_once(write_module: WriteModule) -> None:
    """Two names bound to the same App are one instance, not an ambiguity."""
    module = write_module("from schooner import App\napi = App()\nalias = api\n")
    assert locate_app(module).import_string == f"{module}:api"


def test_module_name_is_imported_from_the_working_folder(
    write_module: WriteModule, tmp_path: Path
) -> None:
    """A plain module is imported from the current folder, which becomes the app_dir."""
    module = write_module(ONE_APP.format(name="app"))
    loaded = locate_app(module)
    assert loaded.app_dir == str(tmp_path)
    assert sys.path[0] == str(tmp_path)


def test_cwd_argument_replaces_the_working_folder(
    write_module: WriteModule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cwd= resolves names from another folder than the current one."""
    module = write_module(ONE_APP.format(name="app"))
    monkeypatch.chdir("/")
    assert locate_app(module, cwd=tmp_path).app_dir == str(tmp_path)


@pytest.mark.parametrize("attr", ["web", "holder.web"])
def test_module_attr(write_module: WriteModule, attr: str) -> None:
    """'module:attr' takes that attribute, following dots."""
    module = write_module(
        """
        from schooner import App
        class holder:
            web = App()
        web = holder.web
        """
    )
    loaded = locate_app(f"{module}:{attr}")
    assert loaded.app is sys.modules[module].web
    assert loaded.import_string == f"{module}:{attr}"


def test_factory_call_syntax(write_module: WriteModule) -> None:
    """'module:create_app()' calls the factory and asks the server to call it again."""
    module = write_module(
        """
        from schooner import App
        calls = []
        def create_app(debug=False):
            calls.append(debug)
            return App()
        """
    )
    loaded = locate_app(f"{module}:create_app()")
    assert isinstance(loaded.app, App)
    assert loaded.factory
    assert loaded.import_string == f"{module}:create_app"
    assert sys.modules[module].calls == [False]


@pytest.mark.parametrize("suffix", ["", ":api"])
def test_file_path(tmp_path: Path, suffix: str) -> None:
    """A .py path imports the file under its own name with its folder first on sys.path."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "site_main.py").write_text(ONE_APP.format(name="api"))
    loaded = locate_app(f"project/site_main.py{suffix}")
    assert loaded.import_string == "site_main:api"
    assert loaded.app_dir == str(folder)
    assert sys.path[0] == str(folder)
    assert loaded.app is sys.modules["site_main"].api


def test_absolute_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An absolute path works from any working folder."""
    (tmp_path / "absolute_app.py").write_text(ONE_APP.format(name="app"))
    monkeypatch.chdir("/")
    loaded = locate_app(str(tmp_path / "absolute_app.py"))
    assert loaded.import_string == "absolute_app:app"


def test_file_inside_a_package_imports_with_its_dotted_name(tmp_path: Path) -> None:
    """A file in a package is imported as 'pkg.module', so its relative imports work."""
    package = tmp_path / "shop_pkg" / "web"
    package.mkdir(parents=True)
    (tmp_path / "shop_pkg" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("TITLE = 'shop'\n")
    (package / "main.py").write_text(
        "from schooner import App\nfrom .settings import TITLE\napp = App()\n"
    )
    loaded = locate_app("shop_pkg/web/main.py")
    assert loaded.import_string == "shop_pkg.web.main:app"
    assert loaded.app_dir == str(tmp_path)


@pytest.mark.parametrize("typed", ["pkg_dir", "pkg_dir/", "pkg_dir/__init__.py"])
def test_package_folder(tmp_path: Path, typed: str) -> None:
    """A package folder (or its __init__.py) imports the package itself."""
    (tmp_path / "pkg_dir").mkdir()
    (tmp_path / "pkg_dir" / "__init__.py").write_text(ONE_APP.format(name="app"))
    loaded = locate_app(typed if "/" in typed else f"./{typed}")
    assert loaded.import_string == "pkg_dir:app"


def test_default_is_app_py_in_the_working_folder(tmp_path: Path) -> None:
    """Without a target, app.py in the working folder is used."""
    (tmp_path / "app.py").write_text(ONE_APP.format(name="application"))
    loaded = locate_app(None)
    assert loaded.import_string == "app:application"
    assert loaded.app_dir == str(tmp_path)


def test_an_error_inside_the_module_keeps_its_traceback(write_module: WriteModule) -> None:
    """An exception raised by the user's module propagates unchanged."""
    module = write_module("raise RuntimeError('boom in user code')\n")
    with pytest.raises(RuntimeError, match="boom in user code"):
        locate_app(module)


def test_a_missing_import_inside_the_module_is_not_hidden(write_module: WriteModule) -> None:
    """A module the user's module imports but is missing is not reported as the app missing."""
    module = write_module("import no_such_dependency_xyz\n")
    with pytest.raises(ModuleNotFoundError) as info:
        locate_app(module)
    assert info.value.name == "no_such_dependency_xyz"
    assert not isinstance(info.value, AppNotFound)


FUNCTIONS = """
from schooner import App
number = 3
def create_app():
    return App()
def make(required):
    return App()
def wrong():
    return {}
first = App()
"""


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module_xyz", "Could not import 'no_such_module_xyz': there is no module"),
        ("no_such_pkg_xyz.sub", "there is no module 'no_such_pkg_xyz'"),
        ("foo bar", "'foo bar' is not a module name or a .py file"),
        ("missing.py", "File 'missing.py' does not exist"),
        ("sub/missing.py:app", "File 'sub/missing.py' does not exist"),
        ("C:\\project\\app.py", "does not exist"),
        ("{mod}:1x", "'1x' in '{mod}:1x' is not a valid attribute name"),
        ("{mod}:create_app(debug=True)", "write 'create_app()' without arguments"),
        ("{mod}:(", "write 'create_app()' without arguments"),
        ("{mod}:nope", "Module '{mod}' has no attribute 'nope'"),
        ("{mod}:number", "'{mod}:number' is a int, not a Schooner App"),
        ("{mod}:create_app", "call it: '{mod}:create_app()'"),
        ("{mod}:number()", "'{mod}:number' is not callable"),
        ("{mod}:make()", "The factory '{mod}:make' needs arguments"),
        ("{mod}:wrong()", "'{mod}:wrong' returned a dict, not a Schooner App"),
    ],
)
def test_errors_say_what_was_tried(write_module: WriteModule, target: str, message: str) -> None:
    """Every way of pointing at nothing is an AppNotFound error with a precise message."""
    module = write_module(FUNCTIONS)
    with pytest.raises(AppNotFound) as info:
        locate_app(target.format(mod=module))
    assert message.format(mod=module) in info.value.message


def test_no_app_py_in_the_working_folder(tmp_path: Path) -> None:
    """Without a target and without app.py the error explains every way to name the app."""
    with pytest.raises(AppNotFound) as info:
        locate_app(None)
    assert f"there is no app.py in {tmp_path}" in info.value.message
    assert "SCHOONER_APP" in info.value.message


def test_module_without_an_app(write_module: WriteModule) -> None:
    """A module with no App instance says what was looked for."""
    module = write_module("app = 'not an app'\n")
    with pytest.raises(AppNotFound, match="has no App: looked for 'app', 'application'"):
        locate_app(module)


def test_module_with_several_apps(write_module: WriteModule) -> None:
    """Several App instances (none named app) must be chosen between."""
    module = write_module("from schooner import App\nsite = App()\nadmin = App()\n")
    with pytest.raises(AppNotFound) as info:
        locate_app(module)
    assert "several App instances ('site', 'admin')" in info.value.message
    assert f"'{module}:site'" in info.value.message


@pytest.mark.parametrize(
    ("setup", "target", "message"),
    [
        ("folder", "plain_dir", "is a folder, not a package"),
        ("text", "notes.txt", "is not a Python file"),
        ("dash", "my-app.py", "'my-app' is not a valid module name"),
    ],
)
def test_path_errors(tmp_path: Path, setup: str, target: str, message: str) -> None:
    """Folders without __init__.py, non-Python files and unimportable names are refused."""
    if setup == "folder":
        (tmp_path / target).mkdir()
    else:
        (tmp_path / target).write_text("")
    with pytest.raises(AppNotFound, match=message):
        locate_app(f"./{target}")


def test_each_folders_app_py_is_its_own(tmp_path: Path) -> None:
    """Two projects' app.py loaded in one process: each folder gets its own app."""
    apps = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "app.py").write_text(
            f"from schooner import App\napp = App()\napp.state.name = {name!r}\n"
        )
        apps.append(locate_app(str(folder / "app.py")).app)
    assert [app.state.name for app in apps] == ["first", "second"]
    sys.modules.pop("app", None)
