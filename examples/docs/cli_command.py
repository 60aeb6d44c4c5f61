"""An app that adds its own command to ``schooner``."""

from __future__ import annotations

import click

from schooner import App

app = App()


# --8<-- [start:command]
@click.command("greet")
@click.option("--who", default="world", help="Whom to greet.")
def greet(who: str) -> None:
    """Say hello."""
    click.echo(f"Hello, {who}!")


app.add_command(greet)
# --8<-- [end:command]
