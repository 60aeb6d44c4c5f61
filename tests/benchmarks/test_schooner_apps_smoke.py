"""CI smoke step for the benchmark: each Schooner benchmark app, served once, answers right.

The benchmark itself never runs in CI (too slow, too noisy). This starts ``schooner_raw``
and ``schooner_orm`` exactly as the runner does (uvicorn, uvloop, httptools) against a
throwaway copy of the benchmark database, and sends every probe the runner sends before it
measures — the same validators decide.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from benchmarks.runner import database, measure
from benchmarks.runner.spec import FRAMEWORKS, SCHOONER, SCHOONER_ORM, bench_tests

pytestmark = pytest.mark.e2e

DSN = "postgresql://postgres@127.0.0.1:5432/schooner_bench_smoke"


@pytest.fixture(scope="module")
def bench_database(monkeypatch_module: pytest.MonkeyPatch) -> str:
    """The world and fortune tables in a smoke-test database; PostgreSQL is required in CI."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not available ({exc}); CI=true: it must run")
        pytest.skip(f"PostgreSQL is not available: {exc}")
    database.create(DSN)
    monkeypatch_module.setenv("BENCH_DATABASE_URL", DSN)
    return DSN


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    """A module-scoped monkeypatch (the server inherits the environment)."""
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


@pytest.mark.parametrize("key", [SCHOONER, SCHOONER_ORM])
def test_each_schooner_app_answers_every_probe(key: str, bench_database: str) -> None:
    """Every test's probes pass (bodies, statuses, 422s, clamping, escaping, checksums)."""
    framework = FRAMEWORKS[key]
    tests = bench_tests()
    server = measure.start(framework)
    try:
        problems = []
        for name in framework.tests:
            problems += measure.run_probes(server.port, tests[name].probes)
    finally:
        server.stop()
    assert problems == []
