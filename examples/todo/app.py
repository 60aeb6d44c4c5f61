"""A to-do API: lists with items, on SQLite by default and PostgreSQL by ``DATABASE_URL``.

The schema comes from the migrations in ``migrations/``: run ``schooner db migrate`` in
this folder before ``schooner run``. Tests build more apps with ``create_app(url)``.

Settings are read from ``SCHOONER_*`` variables (and ``.env``/``schooner.toml``): in
production set ``SCHOONER_ENVIRONMENT=production``, ``SCHOONER_SECRET_KEY`` and
``SCHOONER_ALLOWED_HOSTS``; the app then refuses to start with unsafe settings and answers
only its own host names (the pagination links are built from the ``Host`` header).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from schooner import App, Query, Request, Router, Settings
from schooner.contrib.migrations import Migrations
from schooner.contrib.orm import (
    AsyncSession,
    Database,
    DatabaseConfig,
    ModelSchema,
    Page,
    apply_update,
    create,
    get_or_404,
    paginate,
    schema_for,
)
from schooner.exceptions import NotFound

from .models import Item, TodoList

router = Router()
ListIn = schema_for(TodoList, include={"title"}, mode="create")
ListPatch = schema_for(TodoList, include={"title"}, mode="update")
ItemIn = schema_for(Item, include={"text", "done"}, mode="create")
ItemPatch = schema_for(Item, include={"text", "done"}, mode="update")
ItemOut = schema_for(Item, exclude={"list_id"}, name="TodoItem")
ListWithItems = schema_for(TodoList, nested={"items": ItemOut}, name="TodoListWithItems")


@router.post("/lists", status_code=201)
async def add_list(body: ListIn, session: AsyncSession) -> TodoList:
    """Create a list."""
    return await create(session, TodoList, body)


@router.get("/lists")
async def lists(
    request: Request,
    session: AsyncSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[Any]:
    """Lists, newest first, a page at a time (with the total and links to other pages)."""
    statement = select(TodoList).order_by(TodoList.id.desc())
    return await paginate(session, statement, request=request, limit=limit, offset=offset)


@router.get("/lists/{list_id:int}")
async def get_list(list_id: int, session: AsyncSession) -> ModelSchema:
    """A list with its items (loaded by one extra query, not one per item)."""
    found = await get_or_404(session, TodoList, list_id, options=[selectinload(TodoList.items)])
    return ListWithItems.from_model(found)


@router.patch("/lists/{list_id:int}")
async def rename_list(list_id: int, body: ListPatch, session: AsyncSession) -> TodoList:
    """Rename a list."""
    found = await get_or_404(session, TodoList, list_id)
    apply_update(found, body)
    await session.flush()  # updated_at is fresh in the answer
    return found


@router.delete("/lists/{list_id:int}", status_code=204)
async def delete_list(list_id: int, session: AsyncSession) -> None:
    """Delete a list and its items."""
    found = await get_or_404(session, TodoList, list_id, options=[selectinload(TodoList.items)])
    await session.delete(found)


@router.post("/lists/{list_id:int}/items", status_code=201)
async def add_item(list_id: int, body: ItemIn, session: AsyncSession) -> ModelSchema:
    """Add an item to a list."""
    await get_or_404(session, TodoList, list_id)
    return ItemOut.from_model(await create(session, Item, body, list_id=list_id))


@router.patch("/lists/{list_id:int}/items/{item_id:int}")
async def update_item(
    list_id: int, item_id: int, body: ItemPatch, session: AsyncSession
) -> ModelSchema:
    """Change an item's text or tick it off."""
    item = await _item(session, list_id, item_id)
    apply_update(item, body)
    await session.flush()
    return ItemOut.from_model(item)


@router.delete("/lists/{list_id:int}/items/{item_id:int}", status_code=204)
async def delete_item(list_id: int, item_id: int, session: AsyncSession) -> None:
    """Remove an item."""
    await session.delete(await _item(session, list_id, item_id))


async def _item(session: AsyncSession, list_id: int, item_id: int) -> Item:
    item = await get_or_404(session, Item, item_id)
    if item.list_id != list_id:
        # The item exists, but not in this list: the same answer as a missing one.
        raise NotFound(f"No Item with id {item_id} in list {list_id}.")
    return item


def create_app(database_url: str | None = None) -> App:
    """The app on ``database_url``, else ``DATABASE_URL``, else SQLite ``todo.db`` here.

    Its settings come from ``Settings.load()``: the environment, ``.env`` and
    ``schooner.toml``, read explicitly here and checked when the app starts.
    """
    config = DatabaseConfig.from_env()
    url = database_url or config.url or f"sqlite+aiosqlite:///{Path(__file__).parent / 'todo.db'}"
    # --8<-- [start:components]
    app = App(settings=Settings.load(), components=[Database(url, config=config), Migrations()])
    # --8<-- [end:components]
    app.include(router)
    return app


app = create_app()
