"""Run the database guide's examples (``examples/docs/orm_*.py``) on SQLite and check them.

The guide includes these files verbatim, so each assertion here is a promise the docs make.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from schooner import App
from schooner.testing import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"
ORM_EXAMPLES = sorted(path.stem for path in EXAMPLES.glob("orm_*.py"))

# test_docs_examples.py checks that every file in examples/docs is tested by a test in its
# module; these are tested here instead, so say so to that check when both run.
try:
    import test_docs_examples

    test_docs_examples.TESTED.update(ORM_EXAMPLES)
except ImportError:  # pragma: no cover - run on its own
    pass


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    """Import every ORM example once, on a fresh SQLite database (models register globally)."""
    folder = tmp_path_factory.mktemp("orm_examples")
    patch = pytest.MonkeyPatch()
    patch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'app.db'}")
    patch.setenv("ANALYTICS_DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'analytics.db'}")
    patch.syspath_prepend(str(EXAMPLES))
    try:
        yield {
            name: importlib.import_module(name)
            for name in ORM_EXAMPLES
            if not name.startswith("orm_testing")
        }
    finally:
        patch.undo()


def app_of(examples: dict[str, ModuleType], name: str) -> App:
    """The ``app`` of an example."""
    app = examples[name].app
    assert isinstance(app, App)
    return app


def seed(client: TestClient) -> dict[str, int]:
    """Three authors, six books; return the author ids by name."""
    ids: dict[str, int] = {}
    for name, email, bio in [
        ("Le Guin", "ursula@example.com", "Earthsea."),
        ("Herbert", "frank@example.com", None),
        ("Banks", "iain@example.com", "Culture."),
    ]:
        response = client.post("/authors", json={"name": name, "email": email, "bio": bio})
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    books = {
        "Le Guin": [("A Wizard of Earthsea", 183, 1968), ("The Dispossessed", 387, 1974)],
        "Herbert": [("Dune", 412, 1965)],
        "Banks": [
            ("Consider Phlebas", 471, 1987),
            ("The Player of Games", 309, 1988),
            ("Excession", 451, 1996),
        ],
    }
    for author, rows in books.items():
        payload = [{"title": t, "pages": p, "year": y} for t, p, y in rows]
        response = client.post(f"/authors/{ids[author]}/books", json=payload)
        assert response.json() == {"added": len(rows)}
    return ids


@pytest.fixture(scope="module")
def seeded(examples: dict[str, ModuleType]) -> dict[str, int]:
    """The sessions example's data, shared by the read-only examples."""
    with TestClient(app_of(examples, "orm_sessions")) as client:
        return seed(client)


def test_serialization_example(examples: dict[str, ModuleType], seeded: dict[str, int]) -> None:
    """Default schema, derived card with rename, explicit nested schema."""
    with TestClient(app_of(examples, "orm_serialization")) as client:
        author = client.get(f"/authors/{seeded['Banks']}").json()
        assert set(author) == {"id", "name", "email", "bio", "created_at", "updated_at"}
        cards = client.get("/authors").json()
        assert cards[0] == {"id": seeded["Banks"], "displayName": "Banks"}
        nested = client.get(f"/authors/{seeded['Le Guin']}/books").json()
        assert nested["books"] == [
            {"title": "A Wizard of Earthsea", "year": 1968},
            {"title": "The Dispossessed", "year": 1974},
        ]
        assert "email" not in nested
        assert client.get("/books").json()[0]["title"] == "Dune"


def test_queries_example(examples: dict[str, ModuleType], seeded: dict[str, int]) -> None:
    """Filters, sorting, numbered pages with links, and the keyset feed."""
    with TestClient(app_of(examples, "orm_queries")) as client:
        page = client.get("/books?author=Banks&sort=-year&limit=2").json()
        assert page["total"] == 3
        assert [b["title"] for b in page["items"]] == ["Excession", "The Player of Games"]
        assert page["items"][0]["author"] == {"id": seeded["Banks"], "name": "Banks"}
        assert page["links"]["next"].endswith("author=Banks&sort=-year&limit=2&offset=2")
        assert client.get("/books?since=1980").json()["total"] == 3
        assert client.get("/books?sort=pages").status_code == 422
        feed = client.get("/feed?limit=4").json()
        years = [b["year"] for b in feed["items"]]
        rest = client.get(feed["links"]["next"]).json()
        years += [b["year"] for b in rest["items"]]
        dune = client.get("/books?author=Herbert").json()["items"][0]
        herbert, banks = seeded["Herbert"], seeded["Banks"]
        assert client.get(f"/authors/{herbert}/books/{dune['id']}").json()["title"] == "Dune"
        assert client.get(f"/authors/{banks}/books/{dune['id']}").status_code == 404
        fixed = [{"id": dune["id"], "pages": 896}]
        assert client.patch("/books/pages", json=fixed).json() == {"updated": 1}
        assert (
            client.patch("/books/pages", json=[{"id": dune["id"], "pages": 412}]).status_code == 200
        )
    assert years == sorted(years, reverse=True)
    assert rest["next_cursor"] is None


def test_read_example(examples: dict[str, ModuleType], seeded: dict[str, int]) -> None:
    """orm_read.py: schema rows, Structs by name, tuples, lists for IN, 404 when missing."""
    with TestClient(app_of(examples, "orm_read")) as client:
        profile = client.get(f"/authors/{seeded['Banks']}/profile").json()
        missing = client.get("/authors/99999/profile")
        ids = "&".join(f"ids={seeded[name]}" for name in ("Banks", "Le Guin"))
        stats = client.get(f"/stats?{ids}").json()
    assert profile["author"]["name"] == "Banks"
    assert "password_hash" not in profile["author"]
    assert [b["year"] for b in profile["books"]] == sorted(b["year"] for b in profile["books"])
    assert set(profile["books"][0]) == {"title", "year"}
    assert missing.status_code == 404
    assert stats == {"Banks": 3, "Le Guin": 2}


def test_filters_example(examples: dict[str, ModuleType], seeded: dict[str, int]) -> None:
    """orm_filters.py: each filter narrows, order_by sorts, mistakes are 422s."""
    with TestClient(app_of(examples, "orm_filters")) as client:

        def titles(query: str) -> list[str]:
            response = client.get("/books/search" + query)
            assert response.status_code == 200, response.text
            result: list[str] = response.json()
            return result

        assert titles("?title__icontains=THE") == ["The Dispossessed", "The Player of Games"]
        assert titles("?year__ge=1970&year__lt=1990&order_by=-year") == [
            "The Player of Games",
            "Consider Phlebas",
            "The Dispossessed",
        ]
        assert titles(f"?author_id__in={seeded['Herbert']}") == ["Dune"]
        assert titles("?pages__le=200&order_by=title") == ["A Wizard of Earthsea"]
        assert client.get("/books/search?order_by=author_id").status_code == 422
        assert client.get("/books/search?year__ge=-5").status_code == 422


def test_raw_sql_example(examples: dict[str, ModuleType], seeded: dict[str, int]) -> None:
    """The CTE, the window function and the text() queries answer as the guide says."""
    with TestClient(app_of(examples, "orm_raw_sql")) as client:
        assert client.get("/prolific").json() == [
            {"author": "Banks", "books": 3, "pages": 1231},
            {"author": "Le Guin", "books": 2, "pages": 570},
        ]
        assert client.get("/longest").json() == [
            {"author": "Banks", "title": "Consider Phlebas", "pages": 471},
            {"author": "Herbert", "title": "Dune", "pages": 412},
            {"author": "Le Guin", "title": "The Dispossessed", "pages": 387},
        ]
        assert client.get("/search?q=OF").json() == ["A Wizard of Earthsea", "The Player of Games"]
        assert client.get("/decades").json() == {"1960s": 2, "1970s": 1, "1980s": 2, "1990s": 1}
        assert [a["name"] for a in client.get("/authors/by-sql").json()] == ["Banks", "Le Guin"]


def test_locking_example(examples: dict[str, ModuleType]) -> None:
    """Pessimistic payment and optimistic page edits."""
    with TestClient(app_of(examples, "orm_locking")) as client:
        wallet = client.post("/wallets").json()
        assert client.post(f"/wallets/{wallet['id']}/pay?amount=30").json()["balance"] == 70
        assert client.post(f"/wallets/{wallet['id']}/pay?amount=300").status_code == 409
        page = client.post("/pages").json()
        assert page["version"] == 1
        edited = client.put(f"/pages/{page['id']}?body=Hello&version=1").json()
        assert edited["version"] == 2
        stale = client.put(f"/pages/{page['id']}?body=Late&version=1")
        assert stale.status_code == 409


def test_multiple_databases_example(
    examples: dict[str, ModuleType], seeded: dict[str, int]
) -> None:
    """The default and the analytics databases are used in one request."""
    with TestClient(app_of(examples, "orm_multiple")) as client:
        assert client.get("/authors/count").json() == {"authors": 3, "views": 1}
        assert client.get("/authors/count").json() == {"authors": 3, "views": 2}


def test_sessions_example(examples: dict[str, ModuleType], seeded: dict[str, int]) -> None:
    """Create, patch, all-or-nothing writes, savepoints and a sync handler (runs after the
    read-only examples, since it adds rows)."""
    with TestClient(app_of(examples, "orm_sessions")) as client:
        author = client.post("/authors", json={"name": "Ada", "email": "ada@example.com"}).json()
        assert "password_hash" not in author
        assert (
            client.post("/authors", json={"name": "A", "email": "ada@example.com"}).status_code
            == 409
        )
        assert (
            client.post(
                "/authors", json={"name": "A", "email": "x", "password_hash": "h"}
            ).status_code
            == 422
        )
        patched = client.patch(f"/authors/{author['id']}", json={"bio": "Notes."}).json()
        assert (patched["name"], patched["bio"]) == ("Ada", "Notes.")
        before = client.get("/stats").json()
        too_long = [
            {"title": "Short", "pages": 10, "year": 2000},
            {"title": "Huge", "pages": 5000, "year": 2000},
        ]
        refused = client.post(f"/authors/{author['id']}/books", json=too_long)
        assert refused.status_code == 422
        assert client.get("/stats").json() == before  # "Short" was rolled back too
        mixed = [
            {"title": "Good", "pages": 10, "year": 2001},
            {"title": "Empty", "pages": 0, "year": 2001},
        ]
        assert client.post(f"/authors/{author['id']}/books/try", json=mixed).json() == {
            "skipped": ["Empty"]
        }
        assert client.get("/stats").json() == {
            "authors": before["authors"],
            "books": before["books"] + 1,
        }


def test_config_example(examples: dict[str, ModuleType], tmp_path: Path) -> None:
    """DatabaseConfig built in code from the project's settings reaches the engine."""
    module = examples["orm_config"]
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    app = module.create_app(module.ShopSettings.load(database_url=url, database_pool_size=3))
    with TestClient(app) as client:
        assert client.get("/pool").json() == {"backend": "sqlite", "pool_size": 3}


def test_errors_example(examples: dict[str, ModuleType]) -> None:
    """A duplicate email is refused by the database; the app's own handler answers it."""
    with TestClient(app_of(examples, "orm_errors")) as client:
        body = {"name": "Lin", "email": "lin@example.com"}
        assert client.post("/signups", json=body).status_code == 201
        again = client.post("/signups", json=body)
    assert again.status_code == 409
    assert again.json() == {
        "title": "Already registered",
        "status": 409,
        "detail": "Log in instead.",
    }


def test_coverage_settings_are_read_by_coverage() -> None:
    """The coverage settings the guide shows are what coverage itself reads."""
    rcfile = EXAMPLES / "orm_coverage.toml"
    shown = subprocess.run(
        [sys.executable, "-m", "coverage", "debug", f"--rcfile={rcfile}", "config"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = shown.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("concurrency:"))
    assert lines[at].split()[-1] == "greenlet"
    assert lines[at + 1].strip() == "thread"


def test_testing_example(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The conftest and tests the guide shows pass in a project of their own."""
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name in ("orm_models", "orm_sessions"):
        shutil.copy(EXAMPLES / f"{name}.py", pytester.path / f"{name}.py")
    shutil.copy(EXAMPLES / "orm_testing_conftest.py", pytester.path / "conftest.py")
    shutil.copy(EXAMPLES / "orm_testing_test.py", pytester.path / "test_authors.py")
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


pytest_plugins = ["pytester"]


def test_every_orm_example_is_tested() -> None:
    """Every orm_* example is exercised above."""
    covered = {
        "orm_config", "orm_errors", "orm_filters", "orm_locking", "orm_models", "orm_multiple",
        "orm_queries", "orm_raw_sql", "orm_read",
        "orm_serialization", "orm_sessions", "orm_testing_conftest", "orm_testing_test",
    }  # fmt: skip
    assert set(ORM_EXAMPLES) == covered
