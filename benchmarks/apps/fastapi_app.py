"""FastAPI with SQLAlchemy 2 async (asyncpg) for the database tests, as its users write it.

A session per request from a ``yield`` dependency, pydantic for the ``api`` body, Jinja2
templates for fortunes, ``UploadFile`` for the upload.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from _common import DSN, EXTRA_FORTUNE, HELLO, POOL_SIZE, query_count, random_id, random_ids
from fastapi import Depends, FastAPI, Header, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(
    DSN.replace("postgresql://", "postgresql+asyncpg://"), pool_size=POOL_SIZE, max_overflow=0
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class Base(DeclarativeBase):
    pass


class World(Base):
    __tablename__ = "world"
    id: Mapped[int] = mapped_column(primary_key=True)
    randomnumber: Mapped[int]


class Fortune(Base):
    __tablename__ = "fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str]


class NewItem(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    price: Annotated[float, Field(ge=0)]
    tags: list[str] = []


class Echo(BaseModel):
    item_id: int
    verbose: bool
    token: str
    item: NewItem


async def get_session() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return HELLO


@app.get("/json")
async def json() -> dict[str, str]:
    return {"message": HELLO}


@app.get("/db")
async def db(session: SessionDep) -> dict[str, int]:
    world = await session.get(World, random_id())
    assert world is not None
    return {"id": world.id, "randomNumber": world.randomnumber}


@app.get("/queries")
async def queries(session: SessionDep, queries: str | None = None) -> list[dict[str, int]]:
    worlds = [await session.get(World, random_id()) for _ in range(query_count(queries))]
    return [{"id": w.id, "randomNumber": w.randomnumber} for w in worlds if w is not None]


@app.get("/updates")
async def updates(session: SessionDep, queries: str | None = None) -> list[dict[str, int]]:
    worlds = []
    for world_id in random_ids(query_count(queries)):
        world = await session.get(World, world_id)
        assert world is not None
        world.randomnumber = random_id()
        worlds.append(world)
    await session.commit()
    return [{"id": w.id, "randomNumber": w.randomnumber} for w in worlds]


@app.get("/fortunes", response_class=HTMLResponse)
async def fortunes(request: Request, session: SessionDep) -> HTMLResponse:
    rows = list(await session.scalars(select(Fortune)))
    rows.append(Fortune(id=0, message=EXTRA_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": rows})


@app.post("/api/items/{item_id}")
async def api(
    item_id: int,
    item: NewItem,
    x_token: Annotated[str, Header(min_length=1)],
    verbose: bool = False,
) -> Echo:
    return Echo(item_id=item_id, verbose=verbose, token=x_token, item=item)


@app.post("/upload")
async def upload(file: UploadFile) -> dict[str, object]:
    sha = hashlib.sha256()
    size = 0
    while chunk := await file.read(64 * 1024):
        sha.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}
