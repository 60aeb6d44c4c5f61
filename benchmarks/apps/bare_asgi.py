"""The ceiling: a hand-written ASGI app answering the same JSON as examples/hello."""

from __future__ import annotations

from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode
_ITEM = {"id": 1, "name": "Anchor", "price": 49.5, "tags": ["deck"]}
_HELLO = {"message": "Hello from Schooner"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Serve ``/`` and ``/items/{id}`` like the example app, with no framework."""
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        return
    path = scope["path"]
    if path == "/":
        body = _encode(_HELLO)
    elif path.startswith("/items/"):
        body = _encode({**_ITEM, "id": int(path[7:])})
    else:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
