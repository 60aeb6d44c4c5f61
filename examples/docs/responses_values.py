"""Return values: a plain value becomes a response; a ``Response`` is sent as it is."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from schooner import App, Response

app = App()


class Ship(msgspec.Struct):
    """Structs, dataclasses, TypedDicts and pydantic models are encoded as JSON."""

    name: str
    masts: int


@dataclass
class Port:
    """A dataclass is as good as a Struct."""

    name: str
    country: str


@app.get("/json")
async def as_json() -> dict[str, list[int]]:
    """dict, list, int, float, bool → ``application/json``."""
    return {"numbers": [1, 2, 3]}


@app.get("/ship")
async def as_struct() -> Ship:
    """A Struct → JSON object."""
    return Ship("Bluenose", 2)


@app.get("/ports")
async def as_dataclasses() -> list[Port]:
    """A list of dataclasses → JSON array of objects."""
    return [Port("Lunenburg", "CA"), Port("Gloucester", "US")]


@app.get("/text")
async def as_text() -> str:
    """str → ``text/plain; charset=utf-8``."""
    return "Fair winds"


@app.get("/bytes")
async def as_bytes() -> bytes:
    """bytes → ``application/octet-stream``."""
    return b"\x00\x01"


@app.delete("/ships/{name}")
async def as_nothing(name: str) -> None:
    """None → ``204 No Content``."""


@app.post("/ships", status_code=201, headers={"cache-control": "no-store"})
async def created() -> Ship:
    """``status_code=`` and ``headers=`` on the decorator apply to plain return values."""
    return Ship("Atlantic", 3)


@app.get("/teapot")
async def full_control() -> Response:
    """A ``Response`` gives full control over status, headers and body."""
    return Response("I'm a teapot", status_code=418, media_type="text/plain")
