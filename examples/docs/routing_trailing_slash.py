"""The trailing-slash policy: ``/guide/`` and ``/guide`` are different paths."""

from __future__ import annotations

from schooner import App

# "redirect" is the default; "strict" answers 404 for the other form, "ignore" serves both.
app = App(trailing_slash="redirect")


@app.get("/guide/")
async def guide_index() -> dict[str, str]:
    """Declared with a slash: ``GET /guide`` is redirected here with a 308."""
    return {"page": "guide"}


@app.get("/about")
async def about() -> dict[str, str]:
    """Declared without one: ``GET /about/`` is redirected to ``/about``."""
    return {"page": "about"}
