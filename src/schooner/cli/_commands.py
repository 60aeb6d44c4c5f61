"""The ``schooner`` command group: run, serve, routes, middleware, settings.

Commands that components contribute (``app.add_command``) join the group when the app can
be found. uvicorn is imported only inside ``run`` and ``serve``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from schooner.cli._discovery import LoadedApp, locate_app
from schooner.cli._limits import ServerLimits
from schooner.cli._static import static
from schooner.exceptions import ImproperlyConfigured
from schooner.middleware._debug import is_loopback

_CACHE_KEY = "schooner.cli.apps"
_FAILURE_KEY = "schooner.cli.failure"


def load_app(ctx: click.Context, target: str | None) -> LoadedApp:
    """Find the app for this invocation (``APP``, else ``--app``/``SCHOONER_APP``, else app.py).

    The result is cached on the root context, so a factory is called once per invocation.
    """
    root = ctx.find_root()
    if target is None:
        target = root.params.get("app") or os.environ.get("SCHOONER_APP") or None
    cache: dict[str | None, LoadedApp] = root.meta.setdefault(_CACHE_KEY, {})
    if target not in cache:
        try:
            cache[target] = locate_app(target)
        except ImproperlyConfigured as exc:
            raise click.ClickException(f"The app is misconfigured: {exc}") from None
    return cache[target]


def _built(ctx: click.Context, target: str | None) -> LoadedApp:
    loaded = load_app(ctx, target)
    try:
        loaded.app.build()
    except ImproperlyConfigured as exc:
        raise click.ClickException(f"The app is misconfigured: {exc}") from None
    return loaded


class SchoonerGroup(click.Group):
    """A group that also offers the commands the app's components contribute.

    Built-in commands never load the app to be resolved, so ``schooner run`` can set the
    environment before the app module is imported.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in command names, then those of the app's components, sorted."""
        names = super().list_commands(ctx)
        extra = {c.name for c in self._app_commands(ctx) if c.name and c.name not in names}
        return [*names, *sorted(extra)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in command, else the app's command of that name, else ``None``."""
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return next((c for c in self._app_commands(ctx) if c.name == cmd_name), None)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Resolve as click does; an unknown command also says why the app was not loaded."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            failure = ctx.meta.get(_FAILURE_KEY)
            if not failure:
                raise
            message = f"{exc.format_message()} (The app's own commands are unavailable: {failure})"
            raise click.UsageError(message, ctx=exc.ctx) from None

    def _app_commands(self, ctx: click.Context) -> list[click.Command]:
        # Any failure only means "no extra commands": `schooner --help` must work anywhere.
        if _FAILURE_KEY in ctx.meta:
            return []
        try:
            loaded = load_app(ctx, None)
        except Exception as exc:
            ctx.meta[_FAILURE_KEY] = str(getattr(exc, "message", exc)) or type(exc).__name__
            return []
        return list(loaded.app.commands)


@click.group(cls=SchoonerGroup)
@click.option(
    "--app",
    metavar="APP",
    envvar="SCHOONER_APP",
    # Eager, so that `--app x --help` knows the app before --help lists its commands.
    is_eager=True,
    help="The app: 'module', 'module:app', 'module:create_app()' or 'file.py'. "
    "Default: app.py in the current folder.  [env: SCHOONER_APP]",
)
@click.version_option(
    package_name="schooner",
    prog_name="schooner",
    message=f"%(prog)s %(version)s (Python {sys.version.split()[0]})",
)
def main(app: str | None) -> None:
    """Run and inspect Schooner apps.

    APP is 'module', 'module:app', 'module:create_app()', 'path/to/app.py' or
    'path/to/app.py:app'. Without it, --app or SCHOONER_APP is used, else the app.py in the
    current folder.
    """


main.add_command(static)
_app_argument = click.argument("target", metavar="[APP]", required=False)


@main.command()
@_app_argument
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind. The default is reachable from this machine only.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--reload/--no-reload", default=True, help="Restart when files change.")
@click.pass_context
def run(ctx: click.Context, target: str | None, host: str, port: int, reload: bool) -> None:
    """Start the development server: debug on, reloading on file changes.

    Sets SCHOONER_ENVIRONMENT=development and SCHOONER_DEBUG=true unless they are already set.
    The debug page is only shown to requests from this machine (loopback addresses).
    """
    # Before the import: the app module reads the environment with Settings.load().
    os.environ.setdefault("SCHOONER_ENVIRONMENT", "development")
    os.environ.setdefault("SCHOONER_DEBUG", "true")
    loaded = load_app(ctx, target)
    if loaded.app.debug and not (host == "localhost" or is_loopback(host)):
        _warn_debug_exposed(host)
    import uvicorn

    options: dict[str, Any] = {"host": host, "port": port, "app_dir": loaded.app_dir}
    if loaded.factory:
        options["factory"] = True
    if reload:
        options.update(reload=True, reload_dirs=[loaded.app_dir])
    uvicorn.run(loaded.import_string, **options)


def _warn_debug_exposed(host: str) -> None:
    rule = "!" * 78
    message = (
        f"{rule}\n"
        f"WARNING: debug mode is on and the server listens on {host}, which other machines\n"
        "may reach. Debug mode runs development code paths; the debug page (tracebacks,\n"
        "source lines) is only shown to requests from this machine, others get a plain 500.\n"
        "Never expose `schooner run` to a network you do not trust: use `schooner serve`.\n"
        f"{rule}"
    )
    click.secho(message, fg="red", bold=True, err=True)


def _serve_env(name: str) -> str:
    return f"SCHOONER_SERVE_{name}"


_DEFAULT_LIMITS = ServerLimits()


@main.command()
@_app_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    "-w",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    envvar="WEB_CONCURRENCY",
    show_envvar=True,
    help="Worker processes.",
)
@click.option(
    "--header-timeout",
    default=_DEFAULT_LIMITS.header_timeout,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    envvar=_serve_env("HEADER_TIMEOUT"),
    show_envvar=True,
    help="Seconds a client has to send a request's line and headers (408, then closed); "
    "also closes connections that send nothing.",
)
@click.option(
    "--max-header-size",
    default=_DEFAULT_LIMITS.max_header_size,
    show_default=True,
    type=click.IntRange(min=1024),
    envvar=_serve_env("MAX_HEADER_SIZE"),
    show_envvar=True,
    help="Bytes of request target and header fields together (414 or 431 past it).",
)
@click.option(
    "--max-headers",
    default=_DEFAULT_LIMITS.max_headers,
    show_default=True,
    type=click.IntRange(min=1),
    envvar=_serve_env("MAX_HEADERS"),
    show_envvar=True,
    help="Header fields per request (431 past it).",
)
@click.option(
    "--timeout-keep-alive",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    envvar=_serve_env("TIMEOUT_KEEP_ALIVE"),
    show_envvar=True,
    help="Seconds an idle keep-alive connection is kept open.",
)
@click.option(
    "--limit-concurrency",
    default=None,
    type=click.IntRange(min=1),
    envvar=_serve_env("LIMIT_CONCURRENCY"),
    show_envvar=True,
    help="Open connections (or running requests) per worker at which new requests get "
    "503. Default: no limit.",
)
@click.option(
    "--backlog",
    default=2048,
    show_default=True,
    type=click.IntRange(min=1),
    envvar=_serve_env("BACKLOG"),
    show_envvar=True,
    help="Connections the OS queues before they are accepted.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    target: str | None,
    host: str,
    port: int,
    workers: int,
    header_timeout: float,
    max_header_size: int,
    max_headers: int,
    timeout_keep_alive: int,
    limit_concurrency: int | None,
    backlog: int,
) -> None:
    """Start the production server (uvloop, httptools, no reload, no debug).

    Trusts X-Forwarded-* headers from 127.0.0.1 only (a reverse proxy on the same host).
    Request heads are limited in size, field count and time (see the options); request
    bodies by the app's settings (max_body_size, max_upload_size, body_timeout). A failed
    startup (for example unsafe production settings) stops it with a non-zero exit code.
    """
    loaded = load_app(ctx, target)
    from schooner.cli import _server

    limits = ServerLimits(header_timeout, max_header_size, max_headers)
    options: dict[str, Any] = {}
    if loaded.factory:
        options["factory"] = True
    if loaded.app_dir not in sys.path:
        sys.path.insert(0, loaded.app_dir)
    config = _server.ServeConfig(
        loaded.import_string,
        limits=limits,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        lifespan="on",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
        timeout_keep_alive=timeout_keep_alive,
        limit_concurrency=limit_concurrency,
        backlog=backlog,
        **options,
    )
    _server.run(config)


@main.command()
@_app_argument
@click.pass_context
def routes(ctx: click.Context, target: str | None) -> None:
    """List every route: methods, path, name and handler."""
    table = sorted(_built(ctx, target).app.route_table, key=lambda r: (r.path, r.methods))
    rows = [(", ".join(r.methods), r.path, r.name, r.handler) for r in table]
    if not rows:
        click.echo("The app has no routes.")
        return
    for line in _align([("METHODS", "PATH", "NAME", "HANDLER"), *rows]):
        click.echo(line)


@main.command()
@_app_argument
@click.option("--path", default="/", show_default=True, help="Request path to trace.")
@click.option("--method", default="GET", show_default=True, help="Request method to trace.")
@click.pass_context
def middleware(ctx: click.Context, target: str | None, path: str, method: str) -> None:
    """Show the layers a request goes through, outermost first."""
    method = method.upper()
    chain = _built(ctx, target).app.middleware_chain(path, method)
    click.echo(f"{method} {path}, outermost layer first:")
    width = len(str(len(chain)))
    for index, layer in enumerate(chain):
        arrow = "   " * (index - 1) + "└─ " if index else ""
        click.echo(f"{index + 1:>{width}}. {arrow}{layer}")


@main.command()
@_app_argument
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of key = value lines.")
@click.pass_context
def settings(ctx: click.Context, target: str | None, as_json: bool) -> None:
    """Show the app's effective settings, with secrets masked."""
    values = load_app(ctx, target).app.settings.masked()
    if as_json:
        click.echo(json.dumps(values, indent=2, default=str))
        return
    width = max((len(key) for key in values), default=0)
    for key, value in values.items():
        click.echo(f"{key:<{width}} = {json.dumps(value, default=str)}")


def _align(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    return [line.rstrip() for line in lines]
