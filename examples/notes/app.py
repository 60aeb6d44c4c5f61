"""A notes API with accounts: JWTs and personal API tokens with scopes, no pages.

Every note belongs to the account that wrote it; nobody else can read, change or even
learn of it (another account's note is a 404, like a missing one). Accounts come from the
accounts battery's JSON API under ``/api/auth``: sign up, verify the address with the
token mailed, then trade e-mail and password for JWTs at ``/api/auth/token``, or make a
personal API token limited to ``notes:read`` at ``/api/auth/tokens``. The README has the
``curl`` calls.

Settings come from the environment, read explicitly here: ``SCHOONER_*`` (and ``.env``,
``schooner.toml``) by ``Settings.load()``, ``MAIL_*`` by ``MailConfig.from_env()``,
``AUTH_*`` by ``AuthConfig.from_env()``, ``DATABASE_URL`` by ``DatabaseConfig.from_env()``.
In development mail is printed and the tables are made at startup; in production the app
refuses to start without a secret key, allowed hosts and a real mail server.

There is no ``CSRF`` component: the clients of this API send their token in the
``Authorization`` header, which a page on another site cannot make a browser send (and a
cross-site form cannot send a JSON body either). A browser front end that signs in with
the session cookie (``/api/auth/login``) adds ``CSRF()`` before ``Auth``.
"""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from sqlalchemy import select

from schooner import App, Path, Query, Request, Router, Settings
from schooner.contrib.auth import Auth, AuthConfig, CurrentUser, User, scope_required
from schooner.contrib.mail import Mail, MailConfig
from schooner.contrib.orm import (
    AsyncSession,
    Database,
    DatabaseConfig,
    Page,
    apply_update,
    create,
    paginate,
    schema_for,
)
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.exceptions import NotFound
from schooner.openapi import OpenAPI

try:  # run as a package (tests) or as a file (schooner run examples/notes/app.py)
    from .models import Note
except ImportError:
    from models import Note  # type: ignore[no-redef]

HERE = pathlib.Path(__file__).parent
READ = scope_required("notes:read")
WRITE = scope_required("notes:write")

# Ids are BIGINT: a larger number names no note and is refused as invalid input (422)
# before it reaches the database.
BIGINT_MAX = 2**63 - 1
NoteId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]

NoteIn = schema_for(Note, include={"title", "body"}, mode="create")
NotePatch = schema_for(Note, include={"title", "body"}, mode="update")

database = Database(config=DatabaseConfig.from_env())
notes = Router(prefix="/api/notes", tags=["notes"])


@asynccontextmanager
async def tables(app: Any) -> AsyncIterator[None]:
    """Create the tables if they are missing (a project uses migrations instead)."""
    await database.create_all()
    yield


async def own_note(db: AsyncSession, user: User, note_id: int) -> Note:
    """The user's note ``note_id``.

    Raises:
        NotFound: there is no such note, or it is someone else's: the same 404, so that
            note ids tell nothing about other accounts.
    """
    note = await db.scalar(select(Note).where(Note.id == note_id, Note.owner_id == user.id))
    if note is None:
        raise NotFound(f"You have no note with id {note_id}.")
    return note


@notes.get("", meta=[READ])
async def list_notes(
    request: Request,
    db: AsyncSession,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> Page[Note]:
    """Your notes, newest first, a page at a time."""
    statement = select(Note).where(Note.owner_id == user.id).order_by(Note.id.desc())
    return await paginate(db, statement, request=request, limit=limit, offset=offset)


@notes.post("", status_code=201, meta=[WRITE])
async def add_note(body: NoteIn, db: AsyncSession, user: CurrentUser) -> Note:
    """Write a note."""
    return await create(db, Note, body, owner_id=user.id)


@notes.get("/{note_id:int}", meta=[READ], responses={404: "You have no such note."})
async def get_note(note_id: NoteId, db: AsyncSession, user: CurrentUser) -> Note:
    """One of your notes."""
    return await own_note(db, user, note_id)


@notes.patch("/{note_id:int}", meta=[WRITE], responses={404: "You have no such note."})
async def change_note(
    note_id: NoteId, body: NotePatch, db: AsyncSession, user: CurrentUser
) -> Note:
    """Change a note's title or text (only the fields sent)."""
    note = await own_note(db, user, note_id)
    apply_update(note, body)
    await db.flush()  # updated_at is fresh in the answer
    return note


@notes.delete(
    "/{note_id:int}", status_code=204, meta=[WRITE], responses={404: "You have no such note."}
)
async def delete_note(note_id: NoteId, db: AsyncSession, user: CurrentUser) -> None:
    """Delete a note."""
    await db.delete(await own_note(db, user, note_id))


app = App(
    openapi=OpenAPI(
        title="Notes", version="1.0.0", description="Private notes behind JWTs and API tokens."
    ),
    settings=Settings.load(),
    components=[
        database,
        Sessions(),  # the battery's sign-in state; this API's clients send tokens
        # Account mail is rendered from templates: ours (auth/mail/…, which give the
        # tokens to post, as this API has no pages for links) first, then the battery's.
        Templates(HERE / "templates"),
        Mail(config=MailConfig.from_env()),
        Auth(config=AuthConfig.from_env(), pages=False),
    ],
    lifespan=[tables],
)
app.include(notes)
