"""The examples of docs/settings.md behave as the page says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"


def load_example() -> ModuleType:
    """Import examples/docs/settings_basic.py under a private name."""
    spec = importlib.util.spec_from_file_location(
        "settings_basic_example", DOCS / "settings_basic.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The example module, loaded with the example folder's files as current folder."""
    monkeypatch.chdir(DOCS / "settings")
    for key in ("SCHOONER_ENVIRONMENT", "SCHOONER_PAGE_SIZE", "SCHOONER_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    return load_example()


def test_sources_merge_as_documented(example: ModuleType) -> None:
    """TOML gives page_size and admins, .env the database URL and the masked key."""
    settings = example.ShopSettings.load(environ={})
    assert settings.page_size == 50
    assert settings.admins == ["ada@example.com"]
    assert settings.database_url == "postgresql+asyncpg://shop:s3cret@127.0.0.1/shop"
    assert settings.payment_api_key.get_secret_value() == "pk_test_123"
    masked = settings.masked()
    assert masked["database_url"] == "postgresql+asyncpg://shop:**********@127.0.0.1/shop"
    assert masked["payment_api_key"] == "**********"


def test_environment_wins_and_production_table_applies(example: ModuleType) -> None:
    """A real variable beats .env and TOML; [schooner.production] overrides [schooner]."""
    settings = example.ShopSettings.load(
        environ={"SCHOONER_ENVIRONMENT": "production", "SCHOONER_PAGE_SIZE": "7"}
    )
    assert settings.page_size == 7
    assert settings.allowed_hosts == ["shop.example.com"]
    with pytest.raises(ImproperlyConfigured, match="strong secret key"):
        settings.check()


def test_bad_value_is_reported(example: ModuleType) -> None:
    """page_size is constrained to 1..500."""
    with pytest.raises(ImproperlyConfigured, match="SCHOONER_PAGE_SIZE"):
        example.ShopSettings.load(environ={"SCHOONER_PAGE_SIZE": "900"})


def test_handler_receives_the_settings(example: ModuleType) -> None:
    """GET /config reads the injected settings object."""
    with TestClient(example.create_app(page_size=12)) as client:
        assert client.get("/config").json() == {"environment": "development", "page_size": 12}
