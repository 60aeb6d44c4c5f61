"""Namespaced route names: two routers may both have an ``index`` or a ``detail``."""

from __future__ import annotations

from schooner import App, Request, Router, Settings

polls = Router(prefix="/polls", namespace="polls")
blog = Router(prefix="/blog", namespace="blog")


@polls.get("/")
async def index() -> list[int]:
    """polls:index"""
    return [1, 2]


@polls.get("/{poll_id:int}/")
async def detail(poll_id: int, request: Request) -> dict[str, str]:
    """polls:detail — links to itself and to the other router's index."""
    return {
        "self": request.url_for("polls:detail", poll_id=poll_id),
        "blog": request.url_for("blog:index"),
    }


@blog.get("/", name="index")
async def blog_index() -> list[str]:
    """blog:index — the same short name as polls:index, in another namespace."""
    return ["Welcome aboard"]


app = App(settings=Settings.load())
app.include(polls)
app.include(blog)
