"""Tests of the project: each starts from an empty database."""

from __future__ import annotations

from orm_models import Author
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from schooner.testing import AsyncTestClient, TestClient


def test_add_author(client: TestClient) -> None:
    """The ``client`` fixture comes from Schooner's pytest plugin, built on ``app``."""
    response = client.post("/authors", json={"name": "Ada", "email": "ada@example.com"})
    assert response.status_code == 201
    assert response.json()["name"] == "Ada"


def test_starts_empty(client: TestClient) -> None:
    """The author added by the previous test was rolled back."""
    response = client.post("/authors", json={"name": "Ada", "email": "ada@example.com"})
    assert response.status_code == 201  # no unique-email conflict: the table was empty


async def test_query_directly(orm_session: AsyncSession) -> None:
    """``orm_session`` arranges and checks data without going through HTTP."""
    orm_session.add(Author(name="Grace", email="grace@example.com"))
    await orm_session.flush()
    assert await orm_session.scalar(select(func.count()).select_from(Author)) == 1


# --8<-- [start:arrange]
async def test_arrange_then_request(
    orm_session: AsyncSession, async_client: AsyncTestClient
) -> None:
    """Rows flushed through ``orm_session`` are what the app sees, and the other way round."""
    orm_session.add(Author(name="Grace", email="grace@example.com"))
    await orm_session.flush()  # in the app's test transaction: no commit needed

    taken = await async_client.post("/authors", json={"name": "G", "email": "grace@example.com"})
    assert taken.status_code == 409  # the app sees Grace: her email is taken

    await async_client.post("/authors", json={"name": "Ada", "email": "ada@example.com"})
    names = await orm_session.scalars(select(Author.name).order_by(Author.name))
    assert list(names) == ["Ada", "Grace"]  # and the session sees what the request wrote


# --8<-- [end:arrange]
