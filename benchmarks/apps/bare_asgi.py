"""The ceiling: hand-written ASGI apps with no framework (asyncpg for the database tests).

``app`` answers the same JSON as ``examples/hello`` (``benchmarks/hello_vs_asgi.py``) and every
test of the suite: plaintext, json, db, queries, fortunes, updates, api and upload. Nothing is
routed, validated or encoded that the test does not need; this is the number a framework is
measured against.
"""

from __future__ import annotations

import hashlib
import html
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import parse_qs

import asyncpg
import msgspec
from _common import DSN, EXTRA_FORTUNE, HELLO, POOL_SIZE, query_count, random_id, random_ids

Send = Callable[[dict[str, Any]], Awaitable[None]]

_encode = msgspec.json.Encoder().encode
_ITEM = {"id": 1, "name": "Anchor", "price": 49.5, "tags": ["deck"]}
_HELLO = {"message": "Hello from Schooner"}
_JSON = [(b"content-type", b"application/json")]
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_HTML = [(b"content-type", b"text/html; charset=utf-8")]
_SELECT = "SELECT id, randomnumber FROM world WHERE id = $1"
_UPDATE = "UPDATE world SET randomnumber = $2 WHERE id = $1"
_FORTUNES = "SELECT id, message FROM fortune"
_pool: asyncpg.Pool | None = None


class NewItem(msgspec.Struct):
    """The validated JSON body of the ``api`` test."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    price: Annotated[float, msgspec.Meta(ge=0)]
    tags: list[str] = []


_decode_item = msgspec.json.Decoder(NewItem).decode


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Any) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _query(scope: dict[str, Any], name: str) -> str | None:
    values = parse_qs(scope["query_string"].decode()).get(name)
    return values[0] if values else None


async def _lifespan(receive: Any, send: Send) -> None:
    global _pool
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                _pool = await asyncpg.create_pool(DSN, min_size=1, max_size=POOL_SIZE)
            except (OSError, asyncpg.PostgresError) as exc:
                # hello_vs_asgi.py needs no database: the database tests then answer 500.
                print(f"bare_asgi: no database ({exc}); database tests will fail", file=sys.stderr)
            await send({"type": "lifespan.startup.complete"})
        else:
            if _pool is not None:
                await _pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _db_test(path: str, scope: dict[str, Any]) -> bytes:
    assert _pool is not None
    async with _pool.acquire() as conn:
        if path == "/db":
            row = await conn.fetchrow(_SELECT, random_id())
            return _encode({"id": row[0], "randomNumber": row[1]})
        count = query_count(_query(scope, "queries"))
        if path == "/queries":
            rows = [await conn.fetchrow(_SELECT, random_id()) for _ in range(count)]
            return _encode([{"id": r[0], "randomNumber": r[1]} for r in rows])
        worlds = []
        for world_id in random_ids(count):
            row = await conn.fetchrow(_SELECT, world_id)
            worlds.append({"id": row[0], "randomNumber": random_id()})
        await conn.executemany(_UPDATE, [(w["id"], w["randomNumber"]) for w in worlds])
        return _encode(worlds)


async def _fortunes() -> bytes:
    assert _pool is not None
    async with _pool.acquire() as conn:
        rows = [(r[0], r[1]) for r in await conn.fetch(_FORTUNES)]
    rows.append((0, EXTRA_FORTUNE))
    rows.sort(key=lambda row: row[1])
    cells = "".join(
        f"<tr><td>{fid}</td><td>{html.escape(message)}</td></tr>" for fid, message in rows
    )
    page = (
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
        f"<tr><th>id</th><th>message</th></tr>{cells}</table></body></html>"
    )
    return page.encode()


async def _api(scope: dict[str, Any], receive: Any, send: Send) -> None:
    item_id = scope["path"][len("/api/items/") :]
    token = next((v for k, v in scope["headers"] if k == b"x-token"), None)
    try:
        item = _decode_item(await _read_body(receive))
    except msgspec.ValidationError as exc:
        await _respond(send, 422, _JSON, _encode({"detail": str(exc)}))
        return
    if not item_id.isdigit() or not token:
        await _respond(send, 422, _JSON, _encode({"detail": "bad item id or x-token"}))
        return
    verbose = (_query(scope, "verbose") or "false").lower() in ("1", "true", "yes", "on")
    body = {"item_id": int(item_id), "verbose": verbose, "token": token.decode(), "item": item}
    await _respond(send, 200, _JSON, _encode(body))


async def _upload(scope: dict[str, Any], receive: Any, send: Send) -> None:
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    boundary = b"--" + content_type.partition(b"boundary=")[2].strip(b'"')
    body = await _read_body(receive)
    for part in body.split(boundary):
        head, _, data = part.partition(b"\r\n\r\n")
        if b'name="file"' in head:
            data = data[: -len(b"\r\n")]
            digest = hashlib.sha256(data).hexdigest()
            await _respond(send, 200, _JSON, _encode({"size": len(data), "sha256": digest}))
            return
    await _respond(send, 422, _JSON, _encode({"detail": "no file field"}))


async def app(scope: dict[str, Any], receive: Any, send: Send) -> None:
    """Serve every test path, ``/`` and ``/items/{id}`` like the example app."""
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        return
    path = scope["path"]
    if path == "/plaintext":
        await _respond(send, 200, _TEXT, HELLO.encode())
    elif path == "/json":
        await _respond(send, 200, _JSON, _encode({"message": HELLO}))
    elif path in ("/db", "/queries", "/updates"):
        await _respond(send, 200, _JSON, await _db_test(path, scope))
    elif path == "/fortunes":
        await _respond(send, 200, _HTML, await _fortunes())
    elif path.startswith("/api/items/") and scope["method"] == "POST":
        await _api(scope, receive, send)
    elif path == "/upload" and scope["method"] == "POST":
        await _upload(scope, receive, send)
    elif path == "/":
        await _respond(send, 200, _JSON, _encode(_HELLO))
    elif path.startswith("/items/"):
        await _respond(send, 200, _JSON, _encode({**_ITEM, "id": int(path[7:])}))
    else:
        await _respond(send, 404, [], b"")
