"""Two routes that would match the same requests: a startup error, not a silent winner.

Building this app (or starting it with ``schooner run``) raises ``RouteConflict``.
"""

from __future__ import annotations

from schooner import App

app = App()


@app.get("/posts/{post_id:int}")
async def get_post(post_id: int) -> dict[str, int]:
    """The first route."""
    return {"post_id": post_id}


@app.get("/posts/{number:int}")
async def get_post_by_number(number: int) -> dict[str, int]:
    """Same converters in the same places: every path this matches, the first matches too."""
    return {"number": number}
