"""Route decorators, built-in converters and the methods a route answers."""

from __future__ import annotations

from uuid import UUID

from schooner import App

app = App()


@app.get("/")
async def index() -> dict[str, str]:
    """A static path: matched by one dictionary lookup."""
    return {"page": "home"}


@app.get("/users/{user_id:int}")
async def get_user(user_id: int) -> dict[str, int]:
    """``{user_id:int}`` only matches digits and arrives as an ``int``."""
    return {"user_id": user_id}


@app.get("/users/{username}")
async def get_user_by_name(username: str) -> dict[str, str]:
    """``{username}`` (the ``str`` converter) matches any one segment the ``int`` route did not."""
    return {"username": username}


@app.put("/users/{user_id:int}")
async def replace_user(user_id: int) -> dict[str, object]:
    """Same path, another method: a second handler on the same template."""
    return {"user_id": user_id, "replaced": True}


@app.get("/orders/{order_id:uuid}")
async def get_order(order_id: UUID) -> dict[str, str]:
    """``uuid`` parses a canonical UUID."""
    return {"order_id": str(order_id)}


@app.get("/blog/{slug:slug}")
async def post(slug: str) -> dict[str, str]:
    """``slug`` allows ASCII letters, digits, ``-`` and ``_``."""
    return {"slug": slug}


@app.get("/files/{file_path:path}")
async def read_file(file_path: str) -> dict[str, str]:
    """``path`` takes the rest of the path, slashes included; it must come last."""
    return {"file_path": file_path}


@app.route("/search", methods=["GET", "POST"])
async def search() -> dict[str, str]:
    """``@app.route`` takes an explicit list of methods."""
    return {"results": "none yet"}
