"""``schooner static``: commands for the app's static files."""

from __future__ import annotations

from pathlib import Path

import click

from schooner.exceptions import ImproperlyConfigured
from schooner.staticfiles import collect as collect_files
from schooner.staticfiles import static_apps


@click.group()
def static() -> None:
    """Work with the app's static files (its folders and its components')."""


@static.command()
@click.argument("target", metavar="[APP]", required=False)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write; it mirrors the URLs (OUTPUT/static/css/site.css).",
)
@click.option("--clear", is_flag=True, help="Empty the output folder first.")
@click.pass_context
def collect(ctx: click.Context, target: str | None, output: Path, clear: bool) -> None:
    """Copy every static file into one folder for nginx or a CDN.

    Each file is written under its plain and its fingerprinted name (with its .br/.gz
    siblings); where folders override each other, only the file the app would serve is
    copied. OUTPUT/manifest.json maps each URL path to its fingerprinted URL path.
    """
    # Imported here: _commands imports this module to register the group.
    from schooner.cli._commands import load_app

    app = load_app(ctx, target).app
    if not app.static_dirs:
        raise click.ClickException(
            "The app has no static folders; declare one with app.add_static_dir('static')."
        )
    try:
        result = collect_files(static_apps(app.static_dirs), output, clear=clear)
    except ImproperlyConfigured as exc:
        raise click.ClickException(str(exc)) from None
    folders = len(app.static_dirs)
    click.echo(
        f"Collected {result.files} file{'s' if result.files != 1 else ''} from {folders} "
        f"folder{'s' if folders != 1 else ''} into {output}."
    )
