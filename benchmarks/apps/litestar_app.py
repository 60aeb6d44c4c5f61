"""Litestar: handlers as decorated functions, msgspec models, an asyncpg pool provided by DI.

Litestar answers invalid input with 400 by default; the suite asks for 422, so an exception
handler maps ``ValidationException`` to it (the way Litestar's docs show custom handlers).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import asyncpg
import msgspec
from _common import DSN, EXTRA_FORTUNE, HELLO, POOL_SIZE, query_count, random_id, random_ids
from litestar import Litestar, MediaType, Request, Response, get, post
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import State, UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.params import Body, Parameter
from litestar.response import Template
from litestar.template.config import TemplateConfig

SELECT = "SELECT id, randomnumber FROM world WHERE id = $1"
UPDATE = "UPDATE world SET randomnumber = $2 WHERE id = $1"


class NewItem(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: Annotated[float, msgspec.Meta(ge=0)]
    tags: list[str] = []


class Echo(msgspec.Struct):
    item_id: int
    verbose: bool
    token: str
    item: NewItem


@asynccontextmanager
async def db_pool(app: Litestar) -> AsyncIterator[None]:
    async with asyncpg.create_pool(DSN, min_size=1, max_size=POOL_SIZE) as pool:
        app.state.pool = pool
        yield


async def provide_pool(state: State) -> asyncpg.Pool:
    return state.pool  # type: ignore[no-any-return]


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return HELLO


@get("/json")
async def json() -> dict[str, str]:
    return {"message": HELLO}


@get("/db")
async def db(pool: asyncpg.Pool) -> dict[str, int]:
    row = await pool.fetchrow(SELECT, random_id())
    return {"id": row["id"], "randomNumber": row["randomnumber"]}


@get("/queries")
async def queries(pool: asyncpg.Pool, queries: str | None = None) -> list[dict[str, int]]:
    async with pool.acquire() as conn:
        rows = [await conn.fetchrow(SELECT, random_id()) for _ in range(query_count(queries))]
    return [{"id": r["id"], "randomNumber": r["randomnumber"]} for r in rows]


@get("/updates")
async def updates(pool: asyncpg.Pool, queries: str | None = None) -> list[dict[str, int]]:
    async with pool.acquire() as conn:
        worlds = []
        for world_id in random_ids(query_count(queries)):
            row = await conn.fetchrow(SELECT, world_id)
            worlds.append({"id": row["id"], "randomNumber": random_id()})
        await conn.executemany(UPDATE, [(w["id"], w["randomNumber"]) for w in worlds])
    return worlds


@get("/fortunes")
async def fortunes(pool: asyncpg.Pool) -> Template:
    rows = [dict(row) for row in await pool.fetch("SELECT * FROM fortune")]
    rows.append({"id": 0, "message": EXTRA_FORTUNE})
    rows.sort(key=lambda row: row["message"])
    return Template(template_name="fortunes.html", context={"fortunes": rows})


@post("/api/items/{item_id:int}", status_code=200)
async def api(
    item_id: int,
    data: NewItem,
    token: Annotated[str, Parameter(header="x-token", min_length=1)],
    verbose: bool = False,
) -> Echo:
    return Echo(item_id=item_id, verbose=verbose, token=token, item=data)


@post("/upload", status_code=200)
async def upload(
    data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> dict[str, object]:
    file = data["file"]
    sha = hashlib.sha256()
    size = 0
    while chunk := await file.read(64 * 1024):
        sha.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}


def unprocessable(request: Request, exc: ValidationException) -> Response[dict[str, object]]:
    return Response({"detail": exc.detail, "errors": exc.extra}, status_code=422)


app = Litestar(
    route_handlers=[plaintext, json, db, queries, updates, fortunes, api, upload],
    dependencies={"pool": Provide(provide_pool)},
    lifespan=[db_pool],
    exception_handlers={ValidationException: unprocessable},
    template_config=TemplateConfig(
        directory=Path(__file__).parent / "templates", engine=JinjaTemplateEngine
    ),
)
