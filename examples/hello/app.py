"""A one-file typed JSON API: path, query and body parameters, a dependency, sync and async.

Run it with ``schooner run examples/hello/app.py`` and open http://127.0.0.1:8000/items, or
the interactive API docs at http://127.0.0.1:8000/docs.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec

from schooner import App, HTTPException, Inject, Query, Settings
from schooner.openapi import OpenAPI


class Item(msgspec.Struct):
    """An item in the store."""

    id: int
    name: str
    price: float
    tags: list[str] = []


class NewItem(msgspec.Struct):
    """What a client sends to create an item."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: Annotated[float, msgspec.Meta(ge=0)]
    tags: list[str] = []


class Store:
    """An in-memory store; a real app would inject a database session instead."""

    def __init__(self) -> None:
        self.items: dict[int, Item] = {1: Item(1, "Anchor", 49.5, ["deck"])}

    def add(self, new: NewItem) -> Item:
        item = Item(max(self.items, default=0) + 1, new.name, new.price, new.tags)
        self.items[item.id] = item
        return item


async def get_store() -> AsyncIterator[Store]:
    """App-scoped provider: one store for the life of the app."""
    yield Store()


StoreDep = Annotated[Store, Inject(get_store, scope="app")]

app = App(
    settings=Settings.load(),
    openapi=OpenAPI(title="Hello store", version="1.0.0", description="A one-file typed API."),
)


@app.get("/")
async def index() -> dict[str, str]:
    """Say hello."""
    return {"message": "Hello from Schooner"}


@app.get("/items")
async def list_items(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    tag: str | None = None,
) -> list[Item]:
    """List items, optionally only those with a given tag."""
    items = [i for i in store.items.values() if tag is None or tag in i.tags]
    return items[:limit]


@app.get("/items/{item_id:int}", responses={404: "There is no item with this id."})
async def get_item(item_id: int, store: StoreDep) -> Item:
    """Return one item or a 404 problem response."""
    item = store.items.get(item_id)
    if item is None:
        raise HTTPException(404, f"There is no item {item_id}.")
    return item


@app.post("/items", status_code=201)
async def create_item(new: NewItem, store: StoreDep) -> Item:
    """Create an item from a validated JSON body."""
    return store.add(new)


@app.get("/slow")
def slow(seconds: Annotated[float, Query(ge=0, le=2)] = 0.1) -> dict[str, float]:
    """A sync handler: it runs in a worker thread, so it never blocks the event loop."""
    time.sleep(seconds)
    return {"slept": seconds}
