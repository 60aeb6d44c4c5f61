"""Tests for limit/offset and keyset pagination, with links built from the request URL."""
# No "from __future__ import annotations": handlers here refer to local names.

from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import desc, select
from sqlalchemy.orm import selectinload

from schooner import Query, Request
from schooner.contrib.orm import (
    AsyncSession,
    CursorPage,
    Database,
    Page,
    bulk_insert,
    paginate,
    paginate_keyset,
    schema_for,
)
from schooner.contrib.orm._pagination import decode_cursor, encode_cursor
from schooner.exceptions import BadRequest
from schooner.testing import TestClient

from .conftest import AppFactory, run
from .models import Port, Ship

ShipRef = schema_for(Ship, include={"id", "name", "tonnage"}, name="ShipRef")


def query_of(url: str | None) -> dict[str, list[str]]:
    """The query parameters of a link."""
    assert url is not None
    return parse_qs(urlsplit(url).query)


@pytest.fixture
def fleet_app(test_db: Any, make_app: AppFactory) -> Any:
    """An app over 25 ships (tonnage 0-24, every third one 7) with both kinds of listing."""

    async def fill(db: Database) -> None:
        async with db.transaction() as session:
            port = Port(name="Halifax")
            session.add(port)
            await session.flush()
            rows = [
                {"name": f"ship-{i:02}", "tonnage": 7 if i % 3 == 0 else i, "port_id": port.id}
                for i in range(25)
            ]
            await bulk_insert(session, Ship, rows)

    run(test_db, fill)
    app, _ = make_app(test_db.url)

    @app.get("/ships")
    async def ships(
        request: Request,
        session: AsyncSession,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Page[Any]:
        statement = select(Ship).where(Ship.tonnage >= 0).order_by(Ship.name)
        return await paginate(
            session, statement, request=request, limit=limit, offset=offset, schema=ShipRef
        )

    @app.get("/by-tonnage")
    async def by_tonnage(
        request: Request,
        session: AsyncSession,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        cursor: str | None = None,
    ) -> CursorPage[Any]:
        return await paginate_keyset(
            session,
            select(Ship),
            request=request,
            order_by=[desc(Ship.tonnage), Ship.id],
            limit=limit,
            cursor=cursor,
            options=[selectinload(Ship.port)],
        )

    return app


def test_limit_offset_pages_and_links(fleet_app: Any) -> None:
    """Totals, items and links; other query parameters survive in the links."""
    with TestClient(fleet_app) as client:
        first = client.get("/ships?limit=10&flag=x").json()
        middle = client.get(first["links"]["next"]).json()
        last = client.get(first["links"]["last"]).json()
    assert first["total"] == 25
    assert [s["name"] for s in first["items"]] == [f"ship-{i:02}" for i in range(10)]
    assert set(first["items"][0]) == {"id", "name", "tonnage"}
    assert "prev" not in first["links"]
    assert query_of(first["links"]["next"]) == {"limit": ["10"], "offset": ["10"], "flag": ["x"]}
    assert first["links"]["self"] == "http://testserver/ships?limit=10&flag=x"
    assert middle["offset"] == 10
    assert query_of(middle["links"]["prev"])["offset"] == ["0"]
    assert last["offset"] == 20
    assert len(last["items"]) == 5
    assert "next" not in last["links"]


def test_limit_offset_past_the_end_is_empty(fleet_app: Any) -> None:
    """An offset beyond the total gives an empty page with a link back."""
    with TestClient(fleet_app) as client:
        page = client.get("/ships?offset=100").json()
    assert page["items"] == []
    assert page["total"] == 25
    assert query_of(page["links"]["prev"])["offset"] == ["90"]


def test_keyset_walks_forward_and_back_without_gaps(fleet_app: Any) -> None:
    """Following ``next`` visits every row once in order; ``prev`` returns the same pages."""
    with TestClient(fleet_app) as client:
        page = client.get("/by-tonnage?limit=10").json()
        pages = [page]
        while "next" in page["links"]:
            page = client.get(page["links"]["next"]).json()
            pages.append(page)
        back = client.get(pages[-1]["links"]["prev"]).json()
        first_again = client.get(back["links"]["prev"]).json()
    seen = [[s["name"] for s in p["items"]] for p in pages]
    flat = [name for names in seen for name in names]
    assert len(flat) == 25
    assert len(set(flat)) == 25
    tonnages = [s["tonnage"] for p in pages for s in p["items"]]
    assert tonnages == sorted(tonnages, reverse=True)
    assert [len(names) for names in seen] == [10, 10, 5]
    assert pages[0]["prev_cursor"] is None
    assert pages[-1]["next_cursor"] is None
    assert [s["name"] for s in back["items"]] == seen[1]
    assert [s["name"] for s in first_again["items"]] == seen[0]
    assert first_again["prev_cursor"] is None
    assert pages[0]["items"][0]["tonnage"] == 23  # 24 is a multiple of 3, so 7


@pytest.mark.parametrize(
    "cursor", ["not base64!", encode_cursor([1], "next"), "WyJzaWRld2F5cyIsWzEsMl1d"]
)
def test_bad_cursors_are_a_400(cursor: str) -> None:
    """A cursor that was tampered with, or made for another ordering, is a client error."""
    with pytest.raises(BadRequest, match="cursor is invalid"):
        decode_cursor(cursor, [int, int])


def test_cursor_round_trip_keeps_types() -> None:
    """Values come back with their column types (datetimes with their zone)."""
    from datetime import UTC, datetime

    moment = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert decode_cursor(encode_cursor([moment, 3], "prev"), [datetime, int]) == (
        "prev",
        [moment, 3],
    )


def test_a_cursor_beyond_the_key_columns_is_a_400(fleet_app: Any) -> None:
    """A forged cursor holding an id no row can have is refused like any tampered cursor."""
    with TestClient(fleet_app) as client:
        response = client.get("/by-tonnage", params={"cursor": encode_cursor([7, 2**63], "next")})
    assert response.status_code == 400
    assert response.json()["detail"] == "The cursor is invalid; start again from the first page."


def test_keyset_on_a_timestamp_column(test_db: Any, make_app: AppFactory) -> None:
    """Cursors over a ``UTCDateTime`` key come back as datetimes the column accepts."""

    async def fill(db: Database) -> None:
        async with db.transaction() as session:
            await bulk_insert(session, Ship, [{"name": f"ship-{i}"} for i in range(5)])

    run(test_db, fill)
    app, _ = make_app(test_db.url)

    @app.get("/newest")
    async def newest(
        request: Request, session: AsyncSession, cursor: str | None = None
    ) -> CursorPage[Any]:
        order = [desc(Ship.created_at), desc(Ship.id)]
        return await paginate_keyset(
            session, select(Ship), request=request, order_by=order, limit=2, cursor=cursor
        )

    with TestClient(app) as client:
        seen: list[str] = []
        cursor = None
        for _ in range(3):
            page = client.get("/newest", params={"cursor": cursor} if cursor else {}).json()
            seen += [ship["name"] for ship in page["items"]]
            cursor = page["next_cursor"]
    assert sorted(seen) == [f"ship-{i}" for i in range(5)]
    assert cursor is None
