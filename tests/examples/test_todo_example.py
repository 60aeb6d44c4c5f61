"""examples/todo: its committed migration applies on SQLite and PostgreSQL, the API works,
``schooner db check`` passes, and fails once a model changes without a migration."""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from schooner import App
from schooner.contrib.orm.testing import TestDatabase
from schooner.testing import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODO = EXAMPLES / "todo"
POSTGRESQL = os.environ.get(
    "TEST_POSTGRESQL_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="module")
def todo() -> Iterator[ModuleType]:
    """``todo.app``, imported once (its models join ``Model.metadata`` for the session)."""
    patch = pytest.MonkeyPatch()
    patch.syspath_prepend(str(EXAMPLES))
    patch.delenv("DATABASE_URL", raising=False)
    try:
        yield importlib.import_module("todo.app")
    finally:
        patch.undo()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: SQLite in tmp_path, or a throwaway one on PostgreSQL."""
    server = None if request.param == "sqlite" else POSTGRESQL
    if server is not None:
        parsed = make_url(server)
        try:
            socket.create_connection((parsed.host, parsed.port or 5432), 1).close()
        except OSError as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL is not available (CI=true): {exc}", pytrace=False)
            pytest.skip(f"PostgreSQL is not available: {exc}")
    database = TestDatabase(server, folder=tmp_path, prefix="schooner_todo_")
    database.run(database.create())
    try:
        yield database.url
    finally:
        database.run(database.drop())


def db(app: App, *args: str) -> str:
    """Run ``schooner db ARGS`` on the example's migrations folder, in-process."""
    (group,) = [c for c in app.commands if c.name == "db"]
    result = CliRunner().invoke(group, ["--directory", str(TODO / "migrations"), *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def schooner(folder: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``schooner ARGS`` in ``folder`` in a new interpreter, as a developer would."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "schooner.cli", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_then_use_the_api(todo: ModuleType, database_url: str) -> None:
    """The committed migration creates the schema; lists and items work end to end."""
    output = db(todo.create_app(database_url), "migrate")
    assert "Applied" in output
    assert "create todo lists and items" in output

    with TestClient(todo.create_app(database_url)) as client:
        ids = []
        for title in ("Groceries", "Chores", "Garden"):
            response = client.post("/lists", json={"title": title})
            assert response.status_code == 201, response.text
            created = response.json()
            assert created["created_at"] == created["updated_at"]
            ids.append(created["id"])
        groceries = ids[0]

        page = client.get("/lists", params={"limit": 2}).json()
        assert page["total"] == 3
        assert [row["title"] for row in page["items"]] == ["Garden", "Chores"]
        assert "offset=2" in page["links"]["next"]
        assert [r["title"] for r in client.get(page["links"]["next"]).json()["items"]] == [
            "Groceries"
        ]

        milk = client.post(f"/lists/{groceries}/items", json={"text": "Milk"}).json()
        client.post(f"/lists/{groceries}/items", json={"text": "Bread"})
        ticked = client.patch(f"/lists/{groceries}/items/{milk['id']}", json={"done": True})
        assert ticked.json()["done"] is True
        assert ticked.json()["updated_at"] >= ticked.json()["created_at"]
        assert client.patch(f"/lists/{ids[1]}/items/{milk['id']}", json={}).status_code == 404

        full = client.get(f"/lists/{groceries}").json()
        assert [(i["text"], i["done"]) for i in full["items"]] == [("Milk", True), ("Bread", False)]
        renamed = client.patch(f"/lists/{groceries}", json={"title": "Shopping"}).json()
        assert renamed["title"] == "Shopping"

        assert client.delete(f"/lists/{groceries}/items/{milk['id']}").status_code == 204
        assert len(client.get(f"/lists/{groceries}").json()["items"]) == 1
        assert client.delete(f"/lists/{groceries}").status_code == 204
        missing = client.get(f"/lists/{groceries}")
        assert missing.status_code == 404
        assert missing.json()["detail"] == f"No TodoList with id {groceries}."
        assert client.post("/lists", json={"name": "x"}).status_code == 422


def test_fixtures_seed_the_example(todo: ModuleType, tmp_path: Path) -> None:
    """fixtures.json loads into the migrated example, and loading it again changes nothing."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'todo.db'}"
    app = todo.create_app(url)
    db(app, "migrate")
    assert "3 created" in db(app, "seed", str(TODO / "fixtures.json"))
    assert "3 unchanged" in db(app, "seed", str(TODO / "fixtures.json"))
    with TestClient(todo.create_app(url)) as client:
        items = client.get("/lists/1").json()["items"]
    assert [(i["text"], i["done"]) for i in items] == [("Milk", False), ("Bread", True)]


def test_check_passes_on_the_example(tmp_path: Path) -> None:
    """`schooner db check` in the example folder: the models match the committed migration."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'todo.db'}"
    migrated = schooner(TODO, url, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    checked = schooner(TODO, url, "db", "check")
    assert checked.returncode == 0, checked.stderr
    assert "default: models and migrations agree." in checked.stdout


def test_check_fails_when_a_model_changes_without_a_migration(tmp_path: Path) -> None:
    """A column added to a copy of the example's models makes `check` fail, naming it."""
    project = tmp_path / "todo"
    shutil.copytree(TODO, project, ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
    models = project / "models.py"
    models.write_text(
        models.read_text().replace(
            "    done: Mapped[bool] = mapped_column(default=False)\n",
            "    done: Mapped[bool] = mapped_column(default=False)\n"
            "    priority: Mapped[int] = mapped_column(default=0)\n",
        )
    )
    assert "priority" in models.read_text()
    url = f"sqlite+aiosqlite:///{tmp_path / 'todo.db'}"
    assert schooner(project, url, "db", "migrate").returncode == 0
    checked = schooner(project, url, "db", "check")
    assert checked.returncode == 1
    assert "default: the models differ from the migrations:" in checked.stderr
    assert "+ column todo_items.priority (INTEGER)" in checked.stderr

    made = schooner(project, url, "db", "makemigrations", "-m", "item priority")
    assert made.returncode == 0, made.stderr
    assert "+ column todo_items.priority" in made.stdout
    assert schooner(project, url, "db", "migrate").returncode == 0
    assert schooner(project, url, "db", "check").returncode == 0
