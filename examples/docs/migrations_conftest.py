"""conftest.py of a project whose tests run on the schema its migrations build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData
from todo.app import create_app

from schooner import App
from schooner.contrib.migrations import migrate
from schooner.contrib.orm.testing import rollback_isolation

pytest_plugins = ["schooner.contrib.orm.testing"]

MIGRATIONS = Path(__file__).parent / "todo" / "migrations"


@pytest.fixture(scope="session")
def orm_metadata() -> list[MetaData]:
    """Create no tables from the models: the migrations will."""
    return []


@pytest.fixture(scope="session")
def migrated_url(orm_database_url: str) -> str:
    """The run's test database, migrated once, as `schooner db migrate` would."""
    migrate(create_app(orm_database_url), directory=MIGRATIONS)
    return orm_database_url


@pytest.fixture
def app(migrated_url: str) -> Iterator[App]:
    """The app on the migrated database; every test's writes are rolled back."""
    app = create_app(migrated_url)
    with rollback_isolation(app):
        yield app
