"""Routers: group routes under a prefix with their own middleware and dependencies."""

from __future__ import annotations

from typing import Annotated

from schooner import App, Header, HTTPException, Inject, Request, Response, Router
from schooner.middleware import CallNext


async def require_api_key(api_key: Annotated[str | None, Header(alias="x-api-key")] = None) -> None:
    """A dependency run for its effect: refuse requests without the right key."""
    if api_key != "secret":
        raise HTTPException(401, "Send the header X-API-Key.")


async def tag_api(request: Request, call_next: CallNext) -> Response:
    """Router middleware: runs only for the routes of the router it is declared on."""
    response = await call_next(request)
    response.headers["x-api-version"] = "1"
    return response


users = Router(prefix="/users", tags=["users"])


@users.get("")
async def list_users() -> list[str]:
    """``GET /api/v1/users``: the prefixes are joined to the path."""
    return ["ada", "grace"]


@users.get("/{user_id:int}")
async def get_user(user_id: int) -> dict[str, int]:
    """``GET /api/v1/users/{user_id}``."""
    return {"user_id": user_id}


api = Router(
    prefix="/api",
    middleware=[tag_api],
    dependencies=[Inject(require_api_key)],
)
# Including under an extra prefix: /api + /v1 + /users.
api.include(users, prefix="/v1")

app = App()
app.include(api)


@app.get("/health")
async def health() -> dict[str, str]:
    """Outside the router: no API key needed, no ``x-api-version`` header."""
    return {"status": "ok"}
