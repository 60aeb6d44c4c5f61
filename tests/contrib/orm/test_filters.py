"""Tests for FilterSet: typed query-parameter filters and ordering, on every backend."""
# No "from __future__ import annotations": handlers here refer to local names.

from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from schooner import Query
from schooner.contrib.orm import AsyncSession, Database, FilterSet, bulk_insert
from schooner.contrib.orm.testing import TestDatabase
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

from .conftest import AppFactory, run
from .models import Ship


class ShipFilters(FilterSet, model=Ship, ordering=("name", "tonnage"), default_order=("name",)):
    """Filters for the ship list."""

    name: str | None = None
    name__icontains: str | None = None
    tonnage__ge: Annotated[int | None, Query(ge=0, description="Minimum tonnage.")] = None
    tonnage__lt: int | None = None
    captain__isnull: bool | None = None
    name__in: list[str] | None = None


def ships_app(make_app: AppFactory, test_db: TestDatabase) -> Any:
    async def seed(db: Database) -> None:
        async with db.transaction() as session:
            await bulk_insert(
                session,
                Ship,
                [
                    {"name": "Bluenose", "tonnage": 285, "captain": "Walters"},
                    {"name": "Cutty Sark", "tonnage": 963},
                    {"name": "Endeavour", "tonnage": 366, "captain": "Cook"},
                    {"name": "100%_real", "tonnage": 1},
                ],
            )

    run(test_db, seed)
    app, _ = make_app(test_db.url)

    @app.get("/ships")
    async def ships(filters: ShipFilters, session: AsyncSession) -> list[str]:
        return list(await session.scalars(filters.apply(select(Ship.name))))

    return app


def names(client: TestClient, query: str) -> Any:
    response = client.get("/ships" + query)
    assert response.status_code == 200, response.text
    return response.json()


def test_filters_and_ordering(test_db: TestDatabase, make_app: AppFactory) -> None:
    """Each operator filters; order_by sorts by allowed columns, '-' descending."""
    with TestClient(ships_app(make_app, test_db)) as client:
        assert names(client, "") == ["100%_real", "Bluenose", "Cutty Sark", "Endeavour"]
        assert names(client, "?name=Bluenose") == ["Bluenose"]
        assert names(client, "?name__icontains=EN") == ["Bluenose", "Endeavour"]
        assert names(client, "?tonnage__ge=300&tonnage__lt=900") == ["Endeavour"]
        assert names(client, "?captain__isnull=true") == ["100%_real", "Cutty Sark"]
        assert names(client, "?captain__isnull=false&order_by=-tonnage") == [
            "Endeavour",
            "Bluenose",
        ]
        assert names(client, "?name__in=Bluenose&name__in=Endeavour&order_by=-name") == [
            "Endeavour",
            "Bluenose",
        ]
        # % and _ are matched literally, not as LIKE wildcards.
        assert names(client, "?name__icontains=%25_") == ["100%_real"]
        assert names(client, "?order_by=tonnage,name")[0] == "100%_real"


def test_bad_values_are_422_naming_the_parameter(
    sqlite_db: TestDatabase, make_app: AppFactory
) -> None:
    """Wrong types, broken constraints and unknown order columns are validation errors."""
    with TestClient(ships_app(make_app, sqlite_db)) as client:
        wrong = client.get("/ships?tonnage__ge=lots")
        negative = client.get("/ships?tonnage__ge=-1")
        order = client.get("/ships?order_by=secret_code")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"] == ["query", "tonnage__ge"]
    assert negative.status_code == 422
    assert order.status_code == 422
    assert order.json()["errors"][0]["loc"] == ["query", "order_by"]
    assert "allowed: name, tonnage" in order.json()["errors"][0]["msg"]


def test_filters_are_documented(sqlite_db: TestDatabase, make_app: AppFactory) -> None:
    """Every filter is a typed query parameter in the OpenAPI document."""
    app = ships_app(make_app, sqlite_db)
    document = app.openapi_document()
    validate(document)
    params = {p["name"]: p for p in document["paths"]["/ships"]["get"]["parameters"]}
    assert set(params) == {
        "name",
        "name__icontains",
        "tonnage__ge",
        "tonnage__lt",
        "captain__isnull",
        "name__in",
        "order_by",
    }
    assert params["tonnage__ge"]["description"] == "Minimum tonnage."
    # The Query(ge=0) the class declares, closed by the column's 32-bit range.
    assert params["tonnage__ge"]["schema"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 2**31 - 1,
    }
    assert "name, tonnage" in params["order_by"]["description"]


def test_declaration_mistakes_fail_at_import() -> None:
    """Unknown columns or operators are configuration errors when the class is defined."""
    with pytest.raises(ImproperlyConfigured, match="no column 'colour'"):

        class Bad(FilterSet, model=Ship):
            colour: str | None = None

    with pytest.raises(ImproperlyConfigured, match="unknown operator 'near'"):

        class Bad2(FilterSet, model=Ship):
            name__near: str | None = None

    with pytest.raises(ImproperlyConfigured, match="no column 'speed'"):

        class Bad3(FilterSet, model=Ship, ordering=("speed",)):
            pass

    with pytest.raises(ImproperlyConfigured, match="needs model="):

        class Bad4(FilterSet):
            pass


def test_integer_filters_take_their_columns_range(
    test_db: TestDatabase, make_app: AppFactory
) -> None:
    """A value beyond the column's range is a 422 naming the filter, never a database error."""
    with TestClient(ships_app(make_app, test_db)) as client:
        for query in ("tonnage__lt=2147483648", "tonnage__ge=9223372036854775808"):
            response = client.get(f"/ships?{query}")
            assert response.status_code == 422, response.text
            (error,) = response.json()["errors"]
            assert error["loc"] == ["query", query.split("=")[0]]
        assert names(client, "?tonnage__lt=2147483647") == [
            "100%_real",
            "Bluenose",
            "Cutty Sark",
            "Endeavour",
        ]


def test_bounds_reach_inside_lists() -> None:
    """``__in`` filters bound each value; the OpenAPI schema shows the bounds on the items."""

    class ByPort(FilterSet, model=Ship):
        port_id__in: list[int] | None = None

    from schooner import App

    app = App()

    @app.get("/ships")
    async def ships(filters: ByPort) -> int:
        return len(filters.values["port_id__in"] or [])

    with TestClient(app) as client:
        assert client.get("/ships?port_id__in=1&port_id__in=2").json() == 2
        assert client.get(f"/ships?port_id__in=1&port_id__in={2**63}").status_code == 422
    (parameter,) = app.openapi_document()["paths"]["/ships"]["get"]["parameters"]
    assert parameter["schema"]["items"] == {
        "type": "integer",
        "minimum": -(2**63),
        "maximum": 2**63 - 1,
    }
