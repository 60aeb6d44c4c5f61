"""A small blog: server-rendered pages with templates, forms, sessions, flash and CSRF.

Run it with ``schooner run examples/blog/app.py`` and open http://127.0.0.1:8000. Posts are
kept in SQLite (``blog.db`` in the current folder; ``DATABASE_URL`` picks another
database). The tables are created at startup to keep the demo to one command; a real
project creates them with migrations (``schooner db makemigrations``, see the database
guide).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from schooner import App, RedirectResponse, Settings
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, get_or_404
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Flash, Session, Sessions
from schooner.contrib.templates import TemplateResponse, Templates

try:  # run as a package (tests) or as a file (schooner run examples/blog/app.py)
    from .forms import CommentForm, PostForm
    from .models import Comment, Post
except ImportError:
    from forms import CommentForm, PostForm  # type: ignore[no-redef]
    from models import Comment, Post  # type: ignore[no-redef]

HERE = Path(__file__).parent

database = Database(config=DatabaseConfig.from_env())


@asynccontextmanager
async def tables(app: Any) -> AsyncIterator[None]:
    """Create the tables if they are missing (demo only; use migrations in a project)."""
    await database.create_all()
    yield


# --8<-- [start:app]
app = App(
    settings=Settings.load(),
    components=[
        database,
        Sessions(),
        Templates(HERE / "templates"),
        Forms(),
        CSRF(),
        SecurityHeaders(),
    ],
    lifespan=[tables],
)
app.add_static_dir(HERE / "static")
# --8<-- [end:app]


@app.get("/")
async def index(session: AsyncSession) -> TemplateResponse:
    """The newest posts, with how many comments each has."""
    count = func.count(Comment.id).label("comments")
    rows = await session.execute(
        select(Post, count).outerjoin(Comment).group_by(Post.id).order_by(Post.id.desc())
    )
    return TemplateResponse("index.html", {"posts": rows.all()})


# --8<-- [start:new_post]
@app.get("/posts/new")
async def new_post(session: Session) -> TemplateResponse:
    """The empty form (the visitor's name is remembered in the session)."""
    form = PostForm(initial={"author": session.get("author", "")})
    return TemplateResponse("post_form.html", {"form": form})


@app.post("/posts/new")
async def create_post(
    form: PostForm, db: AsyncSession, session: Session, flash: Flash
) -> TemplateResponse | RedirectResponse:
    """Publish a post, or show the form again with what to fix."""
    if not form.is_valid:
        return TemplateResponse("post_form.html", {"form": form}, status_code=422)
    post = Post(title=form.title, body=form.body, author=form.author)
    db.add(post)
    await db.flush()
    session["author"] = form.author
    flash.success(f"Post “{post.title}” published.")
    return RedirectResponse(app.url_path_for("show_post", post_id=post.id), 303)


# --8<-- [end:new_post]


@app.get("/posts/{post_id:int}")
async def show_post(post_id: int, db: AsyncSession, session: Session) -> TemplateResponse:
    """A post, its comments and the comment form."""
    post = await get_or_404(db, Post, post_id, options=[selectinload(Post.comments)])
    form = CommentForm(initial={"name": session.get("author", "")})
    return TemplateResponse("post.html", {"post": post, "form": form})


@app.post("/posts/{post_id:int}/comments")
async def add_comment(
    post_id: int, form: CommentForm, db: AsyncSession, flash: Flash
) -> TemplateResponse | RedirectResponse:
    """Add a comment, or show the post again with the form's errors."""
    post = await get_or_404(db, Post, post_id, options=[selectinload(Post.comments)])
    if not form.is_valid:
        return TemplateResponse("post.html", {"post": post, "form": form}, status_code=422)
    db.add(Comment(post_id=post.id, name=form.name, body=form.body))
    flash.info("Thanks for your comment.")
    return RedirectResponse(app.url_path_for("show_post", post_id=post.id), 303)
