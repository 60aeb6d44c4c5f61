"""A small blog: server-rendered pages with templates, forms, sessions, flash, CSRF and accounts.

Run it with ``schooner run examples/blog/app.py`` and open http://127.0.0.1:8000. Visitors
sign up, confirm their address with the link mailed to them (in development the mail is
printed in the terminal), sign in, write posts and edit their own; anyone may comment.
Posts and accounts are kept in SQLite (``app.db`` in the current folder; ``DATABASE_URL``
picks another database); mail settings come from ``MAIL_*`` variables and account settings
from ``AUTH_*`` ones (in production at least ``AUTH_WEBAUTHN_RP_ID``, the site's domain for
passkeys). The tables are created at startup to keep the demo to one command; a real
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
from schooner.contrib.auth import (
    AbstractUser,
    Auth,
    AuthConfig,
    CurrentUser,
    Identity,
    PermissionDenied,
    login_required,
)
from schooner.contrib.csrf import CSRF
from schooner.contrib.forms import Forms
from schooner.contrib.mail import Mail, MailConfig
from schooner.contrib.orm import AsyncSession, Database, DatabaseConfig, get_or_404
from schooner.contrib.security import SecurityHeaders
from schooner.contrib.sessions import Flash, Sessions
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


# --8<-- [start:rules]
def author_may_change(user: AbstractUser, permission: str, obj: object) -> bool:
    """The object rule of the blog: the author of a post may change it."""
    return permission == "blog.change_post" and isinstance(obj, Post) and obj.author_id == user.id


# --8<-- [end:rules]


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
        Mail(config=MailConfig.from_env()),
        Auth(config=AuthConfig.from_env(), object_rules=[author_may_change]),
    ],
    lifespan=[tables],
)
app.add_static_dir(HERE / "static")
# --8<-- [end:app]


async def may_edit(auth: Auth, identity: Identity, post: Post) -> bool:
    """Whether the request's user may edit ``post``: its author (the object rule above), or
    a superuser."""
    return await auth.has_perm(identity, "blog.change_post", post)


async def post_to_edit(post_id: int, db: AsyncSession, auth: Auth, identity: Identity) -> Post:
    """The post ``post_id`` if the request's user may edit it.

    Raises:
        HTTPException: 404, there is no such post.
        PermissionDenied: 403, the user is not its author.
    """
    post = await get_or_404(db, Post, post_id)
    if not await may_edit(auth, identity, post):
        raise PermissionDenied("Only the author of a post may edit it.")
    return post


@app.get("/")
async def index(session: AsyncSession) -> TemplateResponse:
    """The newest posts, with their authors and how many comments each has."""
    count = func.count(Comment.id).label("comments")
    rows = await session.execute(
        select(Post, count)
        .outerjoin(Comment)
        .group_by(Post.id)
        .order_by(Post.id.desc())
        .options(selectinload(Post.author))
    )
    return TemplateResponse("index.html", {"posts": rows.all()})


# --8<-- [start:new_post]
@app.get("/posts/new", meta=[login_required])
async def new_post() -> TemplateResponse:
    """The empty form (a visitor who is not signed in is sent to sign in first)."""
    return TemplateResponse("post_form.html", {"form": PostForm()})


@app.post("/posts/new", meta=[login_required])
async def create_post(
    form: PostForm, db: AsyncSession, user: CurrentUser, flash: Flash
) -> TemplateResponse | RedirectResponse:
    """Publish a post by the signed-in user, or show the form again with what to fix."""
    if not form.is_valid:
        return TemplateResponse("post_form.html", {"form": form}, status_code=422)
    post = Post(title=form.title, body=form.body, author_id=user.id)
    db.add(post)
    await db.flush()
    flash.success(f"Post “{post.title}” published.")
    return RedirectResponse(app.url_path_for("show_post", post_id=post.id), 303)


# --8<-- [end:new_post]


@app.get("/posts/{post_id:int}")
async def show_post(
    post_id: int, db: AsyncSession, auth: Auth, identity: Identity
) -> TemplateResponse:
    """A post, its comments, the comment form (signed in, your name is filled in) and,
    for its author, the edit link."""
    post = await get_or_404(
        db, Post, post_id, options=[selectinload(Post.comments), selectinload(Post.author)]
    )
    user = identity.user
    name = (user.username or user.email) if user is not None else ""
    context = {
        "post": post,
        "form": CommentForm(initial={"name": name}),
        "can_edit": await may_edit(auth, identity, post),
    }
    return TemplateResponse("post.html", context)


# --8<-- [start:edit_post]
@app.get("/posts/{post_id:int}/edit", meta=[login_required])
async def edit_post(
    post_id: int, db: AsyncSession, auth: Auth, identity: Identity
) -> TemplateResponse:
    """The post in the form, for its author; anyone else gets a 403."""
    post = await post_to_edit(post_id, db, auth, identity)
    form = PostForm(initial={"title": post.title, "body": post.body})
    return TemplateResponse("post_edit.html", {"post": post, "form": form})


@app.post("/posts/{post_id:int}/edit", meta=[login_required])
async def update_post(
    post_id: int, form: PostForm, db: AsyncSession, auth: Auth, identity: Identity, flash: Flash
) -> TemplateResponse | RedirectResponse:
    """Save the author's changes, or show the form again with what to fix."""
    post = await post_to_edit(post_id, db, auth, identity)
    if not form.is_valid:
        return TemplateResponse("post_edit.html", {"post": post, "form": form}, status_code=422)
    post.title, post.body = form.title, form.body
    flash.success(f"Post “{post.title}” saved.")
    return RedirectResponse(app.url_path_for("show_post", post_id=post.id), 303)


# --8<-- [end:edit_post]


@app.post("/posts/{post_id:int}/comments")
async def add_comment(
    post_id: int, form: CommentForm, db: AsyncSession, auth: Auth, identity: Identity, flash: Flash
) -> TemplateResponse | RedirectResponse:
    """Add a comment (no account needed), or show the post again with the form's errors."""
    post = await get_or_404(
        db, Post, post_id, options=[selectinload(Post.comments), selectinload(Post.author)]
    )
    if not form.is_valid:
        context = {"post": post, "form": form, "can_edit": await may_edit(auth, identity, post)}
        return TemplateResponse("post.html", context, status_code=422)
    db.add(Comment(post_id=post.id, name=form.name, body=form.body))
    flash.info("Thanks for your comment.")
    return RedirectResponse(app.url_path_for("show_post", post_id=post.id), 303)
