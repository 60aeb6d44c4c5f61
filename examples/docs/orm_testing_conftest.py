"""conftest.py of a project tested against a real database (SQLite unless TEST_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schooner import App
from schooner.contrib.orm.testing import rollback_isolation

# Fixtures: orm_database_url, orm_session, orm_clean (see the guide).
pytest_plugins = ["schooner.contrib.orm.testing"]


@pytest.fixture
def app(orm_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """The project's app on the throwaway test database, every test rolled back."""
    monkeypatch.setenv("DATABASE_URL", orm_database_url)
    from orm_sessions import app  # reads DATABASE_URL when imported

    with rollback_isolation(app):
        yield app
