"""BlackSheep: decorated handlers, typed bindings, pydantic bodies, Jinja2 views.

BlackSheep answers invalid bodies with 400; the suite asks for 422, so an exception handler
maps ``InvalidRequestBody`` (and missing parameters) to it.
"""

from __future__ import annotations

import os

os.environ.setdefault("APP_JINJA_EXTENSION", ".html")  # read by blacksheep at import

import hashlib
from pathlib import Path
from typing import Annotated

import asyncpg
from _common import (
    DSN,
    EXTRA_FORTUNE,
    HELLO,
    POOL_SIZE,
    query_count,
    random_id,
    random_ids,
)
from blacksheep import Application, FromHeader, FromJSON, Request, Response, json, text
from blacksheep.server.bindings import InvalidRequestBody, MissingParameterError
from blacksheep.server.rendering.jinja2 import JinjaRenderer
from blacksheep.server.responses import view
from blacksheep.settings.html import html_settings
from jinja2 import FileSystemLoader
from pydantic import BaseModel, Field

SELECT = "SELECT id, randomnumber FROM world WHERE id = $1"
UPDATE = "UPDATE world SET randomnumber = $2 WHERE id = $1"

app = Application()
html_settings.use(JinjaRenderer(loader=FileSystemLoader(Path(__file__).parent / "templates")))
get = app.router.get
post = app.router.post
db_pool: asyncpg.Pool | None = None


class NewItem(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    price: Annotated[float, Field(ge=0)]
    tags: list[str] = []


class FromToken(FromHeader[str]):
    name = "x-token"


async def open_pool(application: Application) -> None:
    global db_pool
    db_pool = await asyncpg.create_pool(DSN, min_size=1, max_size=POOL_SIZE)


async def close_pool(application: Application) -> None:
    if db_pool is not None:
        await db_pool.close()


app.on_start += open_pool
app.on_stop += close_pool


async def unprocessable(application: Application, request: Request, exc: Exception) -> Response:
    return json({"detail": str(exc)}, status=422)


app.exceptions_handlers[InvalidRequestBody] = unprocessable
app.exceptions_handlers[MissingParameterError] = unprocessable


@get("/plaintext")
async def plaintext() -> Response:
    return text(HELLO)


@get("/json")
async def json_test() -> Response:
    return json({"message": HELLO})


@get("/db")
async def db() -> Response:
    assert db_pool is not None
    row = await db_pool.fetchrow(SELECT, random_id())
    return json({"id": row["id"], "randomNumber": row["randomnumber"]})


@get("/queries")
async def queries(request: Request) -> Response:
    assert db_pool is not None
    count = query_count(request.query.get("queries", ["1"])[0])
    async with db_pool.acquire() as conn:
        rows = [await conn.fetchrow(SELECT, random_id()) for _ in range(count)]
    return json([{"id": r["id"], "randomNumber": r["randomnumber"]} for r in rows])


@get("/updates")
async def updates(request: Request) -> Response:
    assert db_pool is not None
    count = query_count(request.query.get("queries", ["1"])[0])
    async with db_pool.acquire() as conn:
        worlds = []
        for world_id in random_ids(count):
            row = await conn.fetchrow(SELECT, world_id)
            worlds.append({"id": row["id"], "randomNumber": random_id()})
        await conn.executemany(UPDATE, [(w["id"], w["randomNumber"]) for w in worlds])
    return json(worlds)


@get("/fortunes")
async def fortunes() -> Response:
    assert db_pool is not None
    rows = [dict(row) for row in await db_pool.fetch("SELECT * FROM fortune")]
    rows.append({"id": 0, "message": EXTRA_FORTUNE})
    rows.sort(key=lambda row: row["message"])
    return view("fortunes.html", fortunes=rows)


@post("/api/items/{int:item_id}")
async def api(
    item_id: int, item: FromJSON[NewItem], token: FromToken, verbose: bool = False
) -> Response:
    if not token.value:
        return json({"detail": "x-token is empty"}, status=422)
    return json(
        {
            "item_id": item_id,
            "verbose": verbose,
            "token": token.value,
            "item": item.value.model_dump(),
        }
    )


@post("/upload")
async def upload(request: Request) -> Response:
    files = await request.files("file")
    data = files[0].data
    return json({"size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
