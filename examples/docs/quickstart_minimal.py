"""The smallest Schooner app: one route that returns JSON.

Run it with ``schooner run examples/docs/quickstart_minimal.py``.
"""

from __future__ import annotations

from schooner import App, Settings

app = App(settings=Settings.load())  # SCHOONER_* variables, .env and schooner.toml


@app.get("/hello/{name}")
async def hello(name: str, excited: bool = False) -> dict[str, str]:
    """Greet ``name``; ``?excited=true`` adds an exclamation mark."""
    return {"message": f"Hello, {name}{'!' if excited else '.'}"}
