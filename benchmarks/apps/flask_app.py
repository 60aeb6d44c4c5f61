"""Flask under gunicorn, with SQLAlchemy 2 (psycopg 3) and a session per request.

Served by ``gunicorn flask_app:app`` with gthread workers; templates through Flask's own
``render_template`` (Jinja2, autoescaping on for ``.html``); pydantic validates the ``api``
body, as Flask has no validation of its own.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from _common import DSN, EXTRA_FORTUNE, HELLO, POOL_SIZE, query_count, random_id, random_ids
from flask import Flask, Response, g, jsonify, render_template, request
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

engine = create_engine(
    DSN.replace("postgresql://", "postgresql+psycopg://"), pool_size=POOL_SIZE, max_overflow=0
)
app = Flask(__name__)


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


def session() -> Session:
    if "session" not in g:
        g.session = Session(engine, expire_on_commit=False)
    return g.session  # type: ignore[no-any-return]


@app.teardown_appcontext
def close_session(exc: BaseException | None) -> None:
    db_session = g.pop("session", None)
    if db_session is not None:
        db_session.close()


@app.get("/plaintext")
def plaintext() -> Response:
    return Response(HELLO, content_type="text/plain; charset=utf-8")


@app.get("/json")
def json() -> Response:
    return jsonify(message=HELLO)


def world_dict(world: World | None) -> dict[str, int]:
    assert world is not None
    return {"id": world.id, "randomNumber": world.randomnumber}


@app.get("/db")
def db() -> Response:
    return jsonify(world_dict(session().get(World, random_id())))


@app.get("/queries")
def queries() -> Response:
    count = query_count(request.args.get("queries"))
    return jsonify([world_dict(session().get(World, random_id())) for _ in range(count)])


@app.get("/updates")
def updates() -> Response:
    db_session = session()
    worlds = []
    for world_id in random_ids(query_count(request.args.get("queries"))):
        world = db_session.get(World, world_id)
        assert world is not None
        world.randomnumber = random_id()
        worlds.append(world)
    db_session.commit()
    return jsonify([world_dict(world) for world in worlds])


@app.get("/fortunes")
def fortunes() -> str:
    rows = list(session().scalars(select(Fortune)))
    rows.append(Fortune(id=0, message=EXTRA_FORTUNE))
    rows.sort(key=lambda fortune: fortune.message)
    return render_template("fortunes.html", fortunes=rows)


@app.post("/api/items/<int:item_id>")
def api(item_id: int) -> tuple[Response, int]:
    token = request.headers.get("x-token")
    try:
        item = NewItem.model_validate_json(request.get_data())
    except ValidationError as exc:
        return jsonify(detail=exc.errors(include_url=False)), 422
    if not token:
        return jsonify(detail="x-token header missing"), 422
    verbose = request.args.get("verbose", "false").lower() in ("1", "true", "yes", "on")
    body = {"item_id": item_id, "verbose": verbose, "token": token, "item": item.model_dump()}
    return jsonify(body), 200


@app.post("/upload")
def upload() -> Response:
    file = request.files["file"]
    sha = hashlib.sha256()
    size = 0
    while chunk := file.stream.read(64 * 1024):
        sha.update(chunk)
        size += len(chunk)
    return jsonify(size=size, sha256=sha.hexdigest())
