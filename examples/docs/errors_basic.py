"""Raising HTTP errors, your own error classes, and handlers by type and by status."""

from __future__ import annotations

from typing import Any

from schooner import App, HTTPException, JSONResponse, Request, Response
from schooner.exceptions import NotFound


class OutOfStock(HTTPException):
    """A domain error with its own status and problem type: ``raise OutOfStock()`` is enough."""

    status_code = 409

    def __init__(self, item: str) -> None:
        super().__init__(
            detail=f"'{item}' is out of stock.",
            type="https://example.com/problems/out-of-stock",
            extra={"item": item},
        )


class PaymentDeclined(Exception):
    """A plain exception: without a handler it would be a 500."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def declined(request: Request, exc: PaymentDeclined) -> Response:
    """Handler by type: turns ``PaymentDeclined`` (and subclasses) into a 402."""
    return JSONResponse({"error": "payment declined", "reason": exc.reason}, status_code=402)


app = App(exception_handlers={PaymentDeclined: declined})


@app.exception_handler(404)
async def not_found(request: Request, exc: HTTPException) -> Response:
    """Handler by status: every 404, the router's own included."""
    return JSONResponse({"missing": request.url.path}, status_code=404)


@app.get("/items/{name}")
async def get_item(name: str) -> dict[str, str]:
    """``HTTPException(status, detail, headers)`` anywhere becomes a problem response."""
    if name == "anchor":
        raise OutOfStock(name)
    if name == "secret":
        raise HTTPException(403, "Not for you.", headers={"X-Reason": "private"})
    if name == "ghost":
        raise NotFound()
    return {"name": name}


@app.post("/checkout")
async def checkout(card: str) -> dict[str, Any]:
    """A domain exception with a registered handler."""
    if card.startswith("0"):
        raise PaymentDeclined("card expired")
    return {"paid": True}


@app.get("/crash")
async def crash() -> None:
    """A bug: a 500 with a request id (a traceback page in debug mode)."""
    raise RuntimeError("the mainsail tore")
