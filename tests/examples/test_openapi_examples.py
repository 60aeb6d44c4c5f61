"""The examples of docs/openapi.md (openapi_app.py), and every example app's document."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from _loading import import_file
from openapi_spec_validator import validate

from schooner import App
from schooner.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "examples" / "docs"


def load(path: Path, name: str) -> ModuleType:
    """Import a file under a private module name."""
    return import_file(path, name)


@pytest.fixture
def fleet() -> App:
    """openapi_app.py's app, freshly imported."""
    app: App = load(DOCS / "openapi_app.py", "openapi_app_example").app
    return app


def test_fleet_document(fleet: App) -> None:
    """The page's claims about openapi_app.py's document hold."""
    document = fleet.openapi_document()
    validate(document)
    assert document["info"] == {
        "title": "Fleet API",
        "version": "2.1.0",
        "description": "Ships, their crews and their photos.",
    }
    assert list(document["paths"]) == [
        "/ships",
        "/ships/{ship_id}",
        "/ships/{ship_id}/legacy",
        "/ships/{ship_id}/photos",
    ]  # /healthz opted out; the docs routes are never listed
    listing = document["paths"]["/ships"]["get"]
    assert listing["tags"] == ["ships"]
    assert listing["summary"] == "List the fleet."
    assert listing["description"] == "Ships come in the order they were registered."
    assert listing["parameters"][0]["description"] == "At most this many."
    assert listing["parameters"][0]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    create = document["paths"]["/ships"]["post"]
    assert create["security"] == [{"bearer": []}]
    assert set(create["responses"]) == {"201", "400", "401", "413", "415", "422"}
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer"}
    }
    photo = document["paths"]["/ships/{ship_id}/photos"]["post"]["requestBody"]["content"]
    assert list(photo) == ["multipart/form-data"]
    assert document["paths"]["/ships/{ship_id}/legacy"]["get"]["deprecated"] is True
    assert document["paths"]["/ships/{ship_id}"]["get"]["responses"]["404"]["description"] == (
        "There is no ship with this id."
    )
    assert document["components"]["schemas"]["Ship"]["properties"]["tonnage"] == {
        "type": "number",
        "exclusiveMinimum": 0,
    }


def test_fleet_behaves_as_documented(fleet: App) -> None:
    """The documented statuses are the ones the app answers."""
    with TestClient(fleet) as client:
        assert client.get("/ships?limit=1").json() == [
            {"id": 1, "name": "Endeavour", "tonnage": 366.0}
        ]
        assert client.get("/ships/9").status_code == 404
        denied = client.post("/ships", json={"name": "Bounty", "tonnage": 220})
        assert denied.status_code == 401
        created = client.post(
            "/ships",
            json={"name": "Bounty", "tonnage": 220},
            headers={"Authorization": "Bearer aye"},
        )
        assert created.status_code == 201
        assert created.json()["name"] == "Bounty"
        photo = client.post(
            "/ships/1/photos",
            data={"caption": "at sea"},
            files={"image": ("ship.jpg", b"\xff\xd8", "image/jpeg")},
            headers={"Authorization": "Bearer aye"},
        )
        assert photo.status_code == 204
        assert client.get("/healthz").text == "ok"
        assert client.get("/docs").status_code == 200


# These show a startup error on purpose (a dependency cycle, two routes that shadow, a type
# declared where string annotations cannot find it).
BROKEN_ON_PURPOSE = {"dependencies_cycle.py", "routing_shadowing.py", "pitfalls_local_types.py"}


def example_apps() -> list[tuple[str, Path]]:
    """Every example file that defines a module-level ``app`` and is meant to start."""
    files = [ROOT / "examples" / "hello" / "app.py", ROOT / "examples" / "realtime" / "app.py"]
    files += sorted(
        p
        for p in DOCS.glob("*.py")
        if "\napp = App(" in p.read_text()
        and p.name not in BROKEN_ON_PURPOSE
        # Models register their tables once per process; test_orm_examples imports these,
        # and test_admin_examples runs the admin's in a process of its own.
        and not p.name.startswith(("orm_", "admin_"))
    )
    return [(p.relative_to(ROOT).as_posix(), p) for p in files]


@pytest.mark.parametrize(("label", "path"), example_apps(), ids=[e[0] for e in example_apps()])
def test_every_example_app_has_a_valid_document(
    label: str, path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each example app's generated document validates against the OpenAPI 3.1 schema."""
    monkeypatch.chdir(tmp_path)  # examples that write files (SQLite) write them here
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    monkeypatch.syspath_prepend(str(path.parent))
    name = "openapi_check_" + label.replace("/", "_").removesuffix(".py")
    module = load(path, name)
    app: Any = module.app
    if app.openapi is None:
        pytest.skip(f"{label} turns OpenAPI off")
    validate(app.openapi_document())
