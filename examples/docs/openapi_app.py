"""An API whose OpenAPI document says everything the code says, and no more."""

from __future__ import annotations

from typing import Annotated

import msgspec

from schooner import App, Form, Header, HTTPException, Inject, Query, Router, UploadFile
from schooner.openapi import OpenAPI, security

# --8<-- [start:config]
app = App(
    openapi=OpenAPI(
        title="Fleet API",
        version="2.1.0",
        description="Ships, their crews and their photos.",
        tags=[{"name": "ships", "description": "The fleet itself."}],
    )
)
# --8<-- [end:config]


# --8<-- [start:types]
class Ship(msgspec.Struct):
    """A ship in the fleet."""

    id: int
    name: str
    tonnage: Annotated[float, msgspec.Meta(gt=0)]


class NewShip(msgspec.Struct):
    """What a client sends to register a ship."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    tonnage: Annotated[float, msgspec.Meta(gt=0)]


class Photo(msgspec.Struct):
    caption: str
    image: UploadFile


# --8<-- [end:types]


SHIPS = {1: Ship(1, "Endeavour", 366.0)}


# --8<-- [start:security]
@security("bearer", {"type": "http", "scheme": "bearer"})
async def captain(authorization: Annotated[str | None, Header()] = None) -> str:
    """Only captains may change the fleet (a real app would check a token)."""
    if authorization != "Bearer aye":
        raise HTTPException(401, "Say aye.", headers={"WWW-Authenticate": "Bearer"})
    return "captain"


Captain = Annotated[str, Inject(captain)]
# --8<-- [end:security]

# --8<-- [start:routes]
ships = Router(prefix="/ships", tags=["ships"])


@ships.get("")
async def list_ships(
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many.")] = 20,
) -> list[Ship]:
    """List the fleet.

    Ships come in the order they were registered.
    """
    return list(SHIPS.values())[:limit]


@ships.get("/{ship_id:int}", responses={404: "There is no ship with this id."})
async def get_ship(ship_id: int) -> Ship:
    """Fetch one ship."""
    if ship_id not in SHIPS:
        raise HTTPException(404, f"There is no ship {ship_id}.")
    return SHIPS[ship_id]


@ships.post("", status_code=201, responses={401: "Not a captain."})
async def add_ship(body: NewShip, who: Captain) -> Ship:
    """Register a ship."""
    ship = Ship(max(SHIPS) + 1, body.name, body.tonnage)
    SHIPS[ship.id] = ship
    return ship


@ships.post("/{ship_id:int}/photos", status_code=204, responses={401: "Not a captain."})
async def add_photo(ship_id: int, form: Annotated[Photo, Form()], who: Captain) -> None:
    """Attach a photo (multipart form with a file field)."""


@ships.get("/{ship_id:int}/legacy", deprecated=True, summary="Old ship view")
async def legacy(ship_id: int) -> Ship:
    """Use GET /ships/{ship_id} instead."""
    return await get_ship(ship_id)


@app.get("/healthz", include_in_schema=False)
async def healthz() -> str:
    """For the load balancer; not part of the API."""
    return "ok"


app.include(ships)
# --8<-- [end:routes]
