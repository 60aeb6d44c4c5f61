"""CORS: let the single-page app at app.example.com call this API with its cookies."""

from __future__ import annotations

from schooner import App, Middleware
from schooner.middleware import CORSMiddleware

app = App(
    middleware=[
        Middleware(
            CORSMiddleware,
            allow_origins=["https://app.example.com"],
            allow_origin_regex=r"https://[a-z0-9-]+\.preview\.example\.com",
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "X-CSRF-Token"],
            allow_credentials=True,
            expose_headers=["X-Total-Count"],
            max_age=3600,
        )
    ]
)


@app.get("/orders")
async def orders() -> list[dict[str, int]]:
    """A resource the browser app reads."""
    return [{"id": 1}, {"id": 2}]


@app.delete("/orders/{order_id:int}", status_code=204)
async def cancel(order_id: int) -> None:
    """A method that needs a preflight."""
