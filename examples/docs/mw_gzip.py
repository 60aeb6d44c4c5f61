"""GZip: compress large responses, including streamed ones, for clients that accept it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from schooner import App, Middleware, StreamingResponse
from schooner.middleware import GZipMiddleware

app = App(middleware=[Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)])


@app.get("/ships")
async def ships() -> list[dict[str, object]]:
    """About 6 kB of JSON: sent compressed, with its compressed Content-Length."""
    return [{"id": i, "name": f"Ship {i}", "crew": 20 + i % 7} for i in range(150)]


@app.get("/manifest.csv")
async def manifest() -> StreamingResponse:
    """A streamed body: each row batch is compressed and flushed as it is produced."""

    async def rows() -> AsyncIterator[str]:
        yield "id,name\n"
        for batch in range(10):
            yield "".join(f"{i},Crate {i}\n" for i in range(batch * 100, batch * 100 + 100))

    return StreamingResponse(rows(), media_type="text/csv")


@app.get("/ping")
async def ping() -> dict[str, str]:
    """Too small to be worth compressing: sent as is."""
    return {"pong": "ok"}
