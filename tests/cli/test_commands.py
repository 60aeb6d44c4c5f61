"""Tests for the schooner commands, run through click's CliRunner."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner, Result

from schooner.cli import _server, main
from schooner.cli._limits import ServerLimits
from schooner.cli._server import LimitedHttpToolsProtocol, ServeConfig

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello" / "app.py"

WriteModule = Callable[..., str]

COMPONENT_APP = """
import click
from schooner import App

class Greeter:
    name = "greeter"

    def setup(self, app):
        @click.command("greet")
        @click.option("--who", default="world")
        def greet(who):
            click.echo(f"Hello, {who}!")

        app.add_command(greet)

app = App(components=[Greeter()])
"""

ENV_RECORDING_APP = """
import os
from schooner import App
SEEN = (os.environ.get("SCHOONER_ENVIRONMENT"), os.environ.get("SCHOONER_DEBUG"))
app = App()
"""

SETTINGS_APP = """
from schooner import App, Settings
app = App(settings=Settings.load(env_file=None, toml_file=None))
"""

FACTORY_APP = """
from schooner import App
def create_app():
    return App()
"""


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run ``schooner *args`` in-process."""
    return CliRunner().invoke(main, list(args), env=env, prog_name="schooner")


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Replace uvicorn.run with a recorder and return the recorded calls."""
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def record(*args: Any, **kwargs: Any) -> None:
        calls.append((args, kwargs))

    monkeypatch.setattr(uvicorn, "run", record)
    return calls


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[ServeConfig]:
    """Replace the server runner of ``serve`` with a recorder of its configurations."""
    configs: list[ServeConfig] = []
    monkeypatch.setattr(_server, "run", configs.append)
    return configs


# -- group -----------------------------------------------------------------------------------


def test_version() -> None:
    """--version prints the installed version and the Python version."""
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith("schooner 0.1.0 (Python 3.")


def test_help_lists_the_builtin_commands_without_an_app() -> None:
    """--help works in a folder with no app and lists every built-in command."""
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("run", "serve", "routes", "middleware", "settings"):
        assert f"  {name} " in result.output


def test_component_command_is_listed_and_runs(write_module: WriteModule) -> None:
    """A command a component contributes appears in --help and runs."""
    module = write_module(COMPONENT_APP)
    listed = invoke("--app", module, "--help")
    assert "  greet" in listed.output
    result = invoke("--app", module, "greet", "--who", "crew")
    assert result.exit_code == 0, result.output
    assert result.output == "Hello, crew!\n"


def test_component_command_found_through_schooner_app(write_module: WriteModule) -> None:
    """SCHOONER_APP points the group at the app whose commands are offered."""
    module = write_module(COMPONENT_APP)
    result = invoke("greet", env={"SCHOONER_APP": module})
    assert result.output == "Hello, world!\n"


def test_component_command_found_in_app_py(tmp_path: Path) -> None:
    """Without --app, the app.py of the working folder contributes its commands."""
    (tmp_path / "app.py").write_text(COMPONENT_APP)
    assert invoke("greet").output == "Hello, world!\n"


def test_unknown_command_explains_why_app_commands_are_missing() -> None:
    """An unknown command says that the app, and so its commands, could not be loaded."""
    result = invoke("greet")
    assert result.exit_code == 2
    assert "No such command 'greet'" in result.output
    assert "The app's own commands are unavailable: Could not find an app" in result.output


def test_a_broken_app_does_not_break_help(write_module: WriteModule) -> None:
    """An app that fails to import only removes its own commands from --help."""
    module = write_module("raise RuntimeError('broken')\n")
    result = invoke("--app", module, "--help")
    assert result.exit_code == 0
    assert "  routes " in result.output


# -- routes, middleware, settings ------------------------------------------------------------


def test_routes_of_the_hello_example() -> None:
    """routes prints an aligned table of every route of examples/hello."""
    result = invoke("routes", str(HELLO))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[0]
    assert header.split() == ["METHODS", "PATH", "NAME", "HANDLER"]
    row = next(line for line in lines if "/items/{item_id:int}" in line)
    assert row.split()[-2:] == ["get_item", "app.get_item"]
    assert row.index("/items/{item_id:int}") == header.index("PATH")
    assert row.index("app.get_item") == header.index("HANDLER")
    assert any("POST" in line and "create_item" in line for line in lines)


def test_routes_with_the_app_option(write_module: WriteModule) -> None:
    """The group's --app option is used when routes gets no APP."""
    module = write_module("from schooner import App\napp = App(openapi=None)\n")
    result = invoke("--app", module, "routes")
    assert result.output == "The app has no routes.\n"


def test_middleware_chain_for_a_route() -> None:
    """middleware numbers each layer, outermost first, indenting to show nesting."""
    result = invoke("middleware", str(HELLO), "--path", "/items/1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "GET /items/1, outermost layer first:",
        "1. ServerErrorMiddleware",
        "2. └─ ExceptionMiddleware",
        "3.    └─ Router",
        "4.       └─ app.get_item",
    ]


@pytest.mark.parametrize(
    ("args", "last"),
    [
        (["--path", "/items/1", "--method", "delete"], "405 Method Not Allowed"),
        (["--path", "/nowhere"], "404 Not Found"),
    ],
)
def test_middleware_chain_ends_in_errors(args: list[str], last: str) -> None:
    """A path without a route or a method without a handler ends the chain in an error."""
    result = invoke("middleware", str(HELLO), *args)
    assert result.output.splitlines()[-1].split("└─ ")[1].startswith(last)


def test_middleware_numbers_align_past_nine_layers(write_module: WriteModule) -> None:
    """With ten or more layers the numbers are right-aligned."""
    layers = "\n".join(
        f"class M{i}:\n    def __init__(self, app):\n        self.app = app\n"
        f"    async def __call__(self, scope, receive, send):\n"
        f"        await self.app(scope, receive, send)\n"
        for i in range(7)
    )
    names = ", ".join(f"M{i}" for i in range(7))
    module = write_module(
        f"from schooner import App\n{layers}\napp = App(middleware=[{names}])\n"
        "@app.get('/')\nasync def home() -> str:\n    return 'hi'\n"
    )
    lines = invoke("middleware", module).output.splitlines()
    assert lines[1] == " 1. ServerErrorMiddleware"
    assert lines[2] == " 2. └─ M0"
    assert lines[-1].startswith(f"11. {'   ' * 9}└─ {module}.home")


def test_misconfigured_app_is_a_clean_error(write_module: WriteModule) -> None:
    """An ImproperlyConfigured error while building is reported without a traceback."""
    module = write_module(
        """
        from schooner import App
        class Timing:
            def __init__(self, app):
                self.app = app
        app = App()
        app.add_middleware(Timing, before="Sessions")
        """
    )
    result = invoke("routes", module)
    assert result.exit_code == 1
    assert "Error: The app is misconfigured: Middleware is positioned relative to Sessions" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_misconfigured_at_import_is_a_clean_error(write_module: WriteModule) -> None:
    """An ImproperlyConfigured error raised while importing the app is reported cleanly."""
    module = write_module(
        "from schooner.exceptions import ImproperlyConfigured\n"
        "raise ImproperlyConfigured('Set SCHOONER_THING.')\n"
    )
    result = invoke("settings", module)
    assert result.exit_code == 1
    assert result.output == "Error: The app is misconfigured: Set SCHOONER_THING.\n"


def test_settings_are_aligned_and_masked() -> None:
    """settings prints aligned key = value lines and never prints a secret."""
    result = invoke("settings", str(HELLO), env={"SCHOONER_SECRET_KEY": "hunter2-" + "x" * 40})
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output
    lines = result.output.splitlines()
    assert len({line.index(" = ") for line in lines}) == 1
    assert 'environment = "development"' in " ".join(" ".join(line.split()) for line in lines)


def test_settings_json() -> None:
    """settings --json prints the masked settings as a JSON object."""
    result = invoke(
        "settings",
        str(HELLO),
        "--json",
        env={"SCHOONER_ENVIRONMENT": "staging", "SCHOONER_SECRET_KEY": "hunter2-" + "x" * 40},
    )
    data = json.loads(result.output)
    assert data["environment"] == "staging"
    assert "hunter2" not in result.output


def test_discovery_error_is_a_usage_error() -> None:
    """A missing module exits with status 2 and the discovery message, without a traceback."""
    result = invoke("routes", "no_such_module_xyz")
    assert result.exit_code == 2
    assert "Error: Could not import 'no_such_module_xyz'" in result.output


def test_user_error_keeps_its_traceback(write_module: WriteModule) -> None:
    """An exception inside the user's module is not turned into a usage error."""
    module = write_module("raise RuntimeError('boom')\n")
    result = invoke("routes", module)
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)


# -- run and serve ---------------------------------------------------------------------------


def test_run_sets_development_environment_before_import(
    write_module: WriteModule, uvicorn_calls: list[Any], tmp_path: Path
) -> None:
    """run sets development defaults before importing, then starts uvicorn with reload."""
    module = write_module(ENV_RECORDING_APP)
    result = invoke("run", module, "--port", "9001")
    assert result.exit_code == 0, result.output
    assert sys.modules[module].SEEN == ("development", "true")
    assert uvicorn_calls == [
        (
            (f"{module}:app",),
            {
                "host": "127.0.0.1",
                "port": 9001,
                "app_dir": str(tmp_path),
                "reload": True,
                "reload_dirs": [str(tmp_path)],
            },
        )
    ]


def test_run_keeps_explicit_environment(
    write_module: WriteModule, uvicorn_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Variables already set win over run's development defaults."""
    monkeypatch.setenv("SCHOONER_DEBUG", "false")
    monkeypatch.setenv("SCHOONER_ENVIRONMENT", "staging")
    module = write_module(ENV_RECORDING_APP)
    invoke("run", module)
    assert sys.modules[module].SEEN == ("staging", "false")


def test_run_without_reload_with_a_factory(
    write_module: WriteModule, uvicorn_calls: list[Any], tmp_path: Path
) -> None:
    """--no-reload drops the reloader; a factory is passed to uvicorn as one."""
    module = write_module(FACTORY_APP)
    invoke("run", f"{module}:create_app()", "--no-reload", "--host", "0.0.0.0")
    assert uvicorn_calls == [
        (
            (f"{module}:create_app",),
            {"host": "0.0.0.0", "port": 8000, "app_dir": str(tmp_path), "factory": True},
        )
    ]


def test_run_binds_loopback_by_default(write_module: WriteModule, uvicorn_calls: list[Any]) -> None:
    """Without --host, the development server listens on 127.0.0.1 only, and says nothing."""
    module = write_module(SETTINGS_APP)
    result = CliRunner().invoke(main, ["run", module], prog_name="schooner")
    assert result.exit_code == 0, result.output
    assert uvicorn_calls[0][1]["host"] == "127.0.0.1"
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "devbox.example"])
def test_run_warns_when_debug_is_reachable_from_other_machines(
    write_module: WriteModule, uvicorn_calls: list[Any], host: str
) -> None:
    """Debug on and a non-loopback interface: a loud warning on stderr, then the server."""
    module = write_module(SETTINGS_APP)
    result = CliRunner().invoke(main, ["run", module, "--host", host], prog_name="schooner")
    assert result.exit_code == 0, result.output
    assert f"WARNING: debug mode is on and the server listens on {host}" in result.stderr
    assert "only shown to requests from this machine" in result.stderr
    assert uvicorn_calls[0][1]["host"] == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_run_does_not_warn_on_loopback(
    write_module: WriteModule, uvicorn_calls: list[Any], host: str
) -> None:
    """Loopback interfaces are only reachable from this machine: no warning."""
    module = write_module(SETTINGS_APP)
    result = CliRunner().invoke(main, ["run", module, "--host", host], prog_name="schooner")
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.stderr


def test_run_does_not_warn_without_debug(
    write_module: WriteModule, uvicorn_calls: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With debug explicitly off, binding 0.0.0.0 shows no debug warning."""
    monkeypatch.setenv("SCHOONER_DEBUG", "false")
    module = write_module(SETTINGS_APP)
    result = CliRunner().invoke(main, ["run", module, "--host", "0.0.0.0"], prog_name="schooner")
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.stderr


def test_run_reports_a_missing_app_before_starting(uvicorn_calls: list[Any]) -> None:
    """run fails cleanly, without starting uvicorn, when there is no app."""
    result = invoke("run")
    assert result.exit_code == 2
    assert "there is no app.py" in result.output
    assert uvicorn_calls == []


def test_serve_uses_production_options(
    write_module: WriteModule, served: list[ServeConfig], tmp_path: Path
) -> None:
    """serve runs uvicorn with workers, uvloop, the limited httptools protocol and a lifespan."""
    module = write_module(ENV_RECORDING_APP)
    result = invoke("serve", module, "--workers", "3", "--port", "9002", "--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    [config] = served
    assert config.app == f"{module}:app"
    assert (config.host, config.port, config.workers) == ("0.0.0.0", 9002, 3)
    assert (config.loop, config.http, config.lifespan) == ("uvloop", LimitedHttpToolsProtocol, "on")
    assert (config.proxy_headers, config.forwarded_allow_ips) == (True, "127.0.0.1")
    assert config.log_level == "info"
    assert config.factory is False
    assert str(tmp_path) in sys.path
    assert sys.modules[module].SEEN == (None, None)
    assert "SCHOONER_ENVIRONMENT" not in os.environ


def test_serve_limits_slow_and_large_request_heads_by_default(
    write_module: WriteModule, served: list[ServeConfig]
) -> None:
    """By default serve times request heads out and bounds their size and field count."""
    module = write_module(ENV_RECORDING_APP)
    invoke("serve", module)
    [config] = served
    assert config.limits == ServerLimits(
        header_timeout=10.0, max_header_size=32768, max_headers=100
    )
    assert (config.timeout_keep_alive, config.backlog, config.limit_concurrency) == (5, 2048, None)


def test_serve_limits_from_options(write_module: WriteModule, served: list[ServeConfig]) -> None:
    """Each limit has an option."""
    module = write_module(ENV_RECORDING_APP)
    result = invoke(
        "serve",
        module,
        "--header-timeout=2.5",
        "--max-header-size=8192",
        "--max-headers=20",
        "--timeout-keep-alive=3",
        "--limit-concurrency=500",
        "--backlog=128",
    )
    assert result.exit_code == 0, result.output
    [config] = served
    assert config.limits == ServerLimits(header_timeout=2.5, max_header_size=8192, max_headers=20)
    assert (config.timeout_keep_alive, config.backlog, config.limit_concurrency) == (3, 128, 500)


def test_serve_limits_from_the_environment(
    write_module: WriteModule, served: list[ServeConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each limit can come from a SCHOONER_SERVE_* variable instead."""
    for name, value in {
        "HEADER_TIMEOUT": "4",
        "MAX_HEADER_SIZE": "4096",
        "MAX_HEADERS": "50",
        "TIMEOUT_KEEP_ALIVE": "9",
        "LIMIT_CONCURRENCY": "64",
        "BACKLOG": "256",
    }.items():
        monkeypatch.setenv(f"SCHOONER_SERVE_{name}", value)
    module = write_module(ENV_RECORDING_APP)
    invoke("serve", module)
    [config] = served
    assert config.limits == ServerLimits(header_timeout=4.0, max_header_size=4096, max_headers=50)
    assert (config.timeout_keep_alive, config.backlog, config.limit_concurrency) == (9, 256, 64)


@pytest.mark.parametrize(
    "option", ["--header-timeout=0", "--max-header-size=100", "--max-headers=0", "--backlog=0"]
)
def test_serve_refuses_unusable_limits(
    write_module: WriteModule, served: list[ServeConfig], option: str
) -> None:
    """A zero timeout, a header size under 1 KiB or a zero count is a usage error."""
    module = write_module(ENV_RECORDING_APP)
    result = invoke("serve", module, option)
    assert result.exit_code == 2
    assert served == []


def test_serve_workers_from_web_concurrency_and_factory(
    write_module: WriteModule, served: list[ServeConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    """WEB_CONCURRENCY sets the worker count; a factory is passed with factory=True."""
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    module = write_module(FACTORY_APP)
    invoke("serve", f"{module}:create_app()")
    [config] = served
    assert config.app == f"{module}:create_app"
    assert config.workers == 4
    assert config.factory is True


def test_serve_refuses_zero_workers(write_module: WriteModule, served: list[ServeConfig]) -> None:
    """--workers must be at least 1."""
    module = write_module(ENV_RECORDING_APP)
    result = invoke("serve", module, "--workers", "0")
    assert result.exit_code == 2
    assert served == []


def test_module_entry_point() -> None:
    """python -m schooner.cli runs the same command group."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "schooner.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("schooner 0.1.0")
