"""Request bodies: a structured type as a parameter is read from the JSON body and validated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

import msgspec
import pydantic

from schooner import App, Body

app = App()


class NewShip(msgspec.Struct):
    """A msgspec Struct: the fastest choice; constraints go in ``msgspec.Meta``."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    masts: Annotated[int, msgspec.Meta(ge=1, le=7)]
    home_port: str | None = None


@dataclass
class Crew:
    """A standard-library dataclass works too."""

    captain: str
    sailors: int = 0


class Cargo(TypedDict):
    """So does a TypedDict (the value arrives as a plain dict)."""

    item: str
    tons: float


class Voyage(pydantic.BaseModel):
    """A pydantic v2 model is validated by pydantic (needs ``schooner[pydantic]``)."""

    origin: str
    destination: str
    days: int = pydantic.Field(gt=0)


@app.post("/ships", status_code=201)
async def create_ship(ship: NewShip) -> NewShip:
    """The body must be a JSON object matching ``NewShip``."""
    return ship


@app.post("/crews")
async def add_crew(crew: Crew) -> dict[str, Any]:
    """Dataclass body."""
    return {"captain": crew.captain, "total": crew.sailors + 1}


@app.post("/cargo")
async def load_cargo(cargo: list[Cargo]) -> dict[str, float]:
    """A list of TypedDicts: the body is a JSON array."""
    return {"tons": sum(item["tons"] for item in cargo)}


@app.post("/voyages")
async def plan_voyage(voyage: Voyage) -> Voyage:
    """pydantic model body; the response encodes it with ``model_dump``."""
    return voyage


@app.post("/tags")
async def set_tags(tags: Annotated[list[str], Body()]) -> list[str]:
    """``Body()`` reads a plain type (here a list of strings) from the body."""
    return sorted(set(tags))
