"""``schooner openapi``: write the app's OpenAPI document without starting a server."""

from __future__ import annotations

import json
from pathlib import Path

import click

from schooner.cli._commands import _app_argument, _built


@click.command()
@_app_argument
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--indent", default=2, show_default=True, type=click.IntRange(0, 8))
@click.pass_context
def openapi(ctx: click.Context, target: str | None, output: Path | None, indent: int) -> None:
    """Print the app's OpenAPI 3.1 document (JSON)."""
    document = _built(ctx, target).app.openapi_document()
    text = json.dumps(document, indent=indent or None, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote the OpenAPI document to {output}.", err=True)
