"""Tests of the to-do project, on its migrated schema."""

from __future__ import annotations

from schooner.testing import TestClient


def test_add_a_list(client: TestClient) -> None:
    """The tables exist: the migrations made them."""
    response = client.post("/lists", json={"title": "Groceries"})
    assert response.status_code == 201
    assert client.get("/lists").json()["total"] == 1


def test_starts_empty(client: TestClient) -> None:
    """The list added by the previous test was rolled back."""
    assert client.get("/lists").json()["total"] == 0
