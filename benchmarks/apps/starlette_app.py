"""Starlette: routes as ``Route`` objects, asyncpg in the lifespan state, Jinja2Templates.

Starlette has no validation of its own; like its users, the ``api`` test uses pydantic.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from _common import DSN, EXTRA_FORTUNE, HELLO, POOL_SIZE, query_count, random_id, random_ids
from pydantic import BaseModel, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

SELECT = "SELECT id, randomnumber FROM world WHERE id = $1"
UPDATE = "UPDATE world SET randomnumber = $2 WHERE id = $1"
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class NewItem(BaseModel):
    """The validated JSON body of the ``api`` test."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    price: Annotated[float, Field(ge=0)]
    tags: list[str] = []


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    """The pool lives in the lifespan state (``request.state.pool``)."""
    async with asyncpg.create_pool(DSN, min_size=1, max_size=POOL_SIZE) as pool:
        yield {"pool": pool}


async def plaintext(request: Request) -> Response:
    return PlainTextResponse(HELLO)


async def json(request: Request) -> Response:
    return JSONResponse({"message": HELLO})


async def db(request: Request) -> Response:
    row = await request.state.pool.fetchrow(SELECT, random_id())
    return JSONResponse({"id": row["id"], "randomNumber": row["randomnumber"]})


async def queries(request: Request) -> Response:
    count = query_count(request.query_params.get("queries"))
    async with request.state.pool.acquire() as conn:
        rows = [await conn.fetchrow(SELECT, random_id()) for _ in range(count)]
    return JSONResponse([{"id": r["id"], "randomNumber": r["randomnumber"]} for r in rows])


async def updates(request: Request) -> Response:
    count = query_count(request.query_params.get("queries"))
    async with request.state.pool.acquire() as conn:
        worlds = []
        for world_id in random_ids(count):
            row = await conn.fetchrow(SELECT, world_id)
            worlds.append({"id": row["id"], "randomNumber": random_id()})
        await conn.executemany(UPDATE, [(w["id"], w["randomNumber"]) for w in worlds])
    return JSONResponse(worlds)


async def fortunes(request: Request) -> Response:
    rows = [dict(row) for row in await request.state.pool.fetch("SELECT * FROM fortune")]
    rows.append({"id": 0, "message": EXTRA_FORTUNE})
    rows.sort(key=lambda row: row["message"])
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": rows})


async def api(request: Request) -> Response:
    token = request.headers.get("x-token")
    try:
        item = NewItem.model_validate_json(await request.body())
    except ValidationError as exc:
        return JSONResponse({"detail": exc.errors(include_url=False)}, status_code=422)
    if not token:
        return JSONResponse({"detail": "x-token header missing"}, status_code=422)
    verbose = request.query_params.get("verbose", "false").lower() in ("1", "true", "yes", "on")
    return JSONResponse(
        {
            "item_id": request.path_params["item_id"],
            "verbose": verbose,
            "token": token,
            "item": item.model_dump(),
        }
    )


async def upload(request: Request) -> Response:
    async with request.form() as form:
        file = form["file"]
        sha = hashlib.sha256()
        size = 0
        while chunk := await file.read(64 * 1024):  # type: ignore[union-attr]
            sha.update(chunk)
            size += len(chunk)
    return JSONResponse({"size": size, "sha256": sha.hexdigest()})


app = Starlette(
    routes=[
        Route("/plaintext", plaintext),
        Route("/json", json),
        Route("/db", db),
        Route("/queries", queries),
        Route("/updates", updates),
        Route("/fortunes", fortunes),
        Route("/api/items/{item_id:int}", api, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]),
    ],
    lifespan=lifespan,
)
