"""Named routes and ``url_for``: build paths from names, never by pasting strings."""

from __future__ import annotations

from schooner import App, RedirectResponse, Request

app = App()


@app.get("/articles/{article_id:int}")
async def show_article(article_id: int) -> dict[str, int]:
    """Named ``show_article`` after the function."""
    return {"article_id": article_id}


@app.get("/articles/{article_id:int}/comments", name="comments")
async def list_comments(article_id: int, request: Request) -> dict[str, str]:
    """Named explicitly with ``name=``."""
    return {"article": request.url_for("show_article", article_id=article_id)}


@app.get("/latest")
async def latest(request: Request) -> RedirectResponse:
    """Redirect to a named route; parameters are converted and percent-encoded."""
    return RedirectResponse(request.url_for("comments", article_id=42))
