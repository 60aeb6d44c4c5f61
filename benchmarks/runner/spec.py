"""What is measured: the test types and the framework implementations.

A test is a path, the wrk script that loads it (for POSTs) and the probes validated before
measuring. A framework is a module under ``benchmarks/apps`` and the server command that runs
it the way its documentation recommends for production.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.runner.validate import (
    Probe,
    api_probes,
    check_db,
    check_fortunes,
    check_json,
    check_plaintext,
    check_upload,
    multipart_body,
    query_probes,
)

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "benchmarks" / "apps"
WRK_SCRIPTS = ROOT / "benchmarks" / "wrk"
QUERIES = 20
"""Rows per request in the measured ``queries`` and ``updates`` tests."""


@dataclass(frozen=True)
class BenchTest:
    """One test type: what wrk requests and what a correct answer is."""

    name: str
    path: str
    probes: tuple[Probe, ...]
    script: str | None = None
    database: bool = False


def bench_tests() -> dict[str, BenchTest]:
    """Every test type, in report order."""
    upload = Probe(
        "/upload",
        check_upload,
        "POST",
        {"content-type": "multipart/form-data; boundary=schooner-bench-boundary-7d0b1c"},
        multipart_body(),
    )
    return {
        "plaintext": BenchTest("plaintext", "/plaintext", (Probe("/plaintext", check_plaintext),)),
        "json": BenchTest("json", "/json", (Probe("/json", check_json),)),
        "db": BenchTest("db", "/db", (Probe("/db", check_db),), database=True),
        "queries": BenchTest(
            "queries", f"/queries?queries={QUERIES}", tuple(query_probes("/queries")), database=True
        ),
        "fortunes": BenchTest(
            "fortunes", "/fortunes", (Probe("/fortunes", check_fortunes),), database=True
        ),
        "updates": BenchTest(
            "updates", f"/updates?queries={QUERIES}", tuple(query_probes("/updates")), database=True
        ),
        "api": BenchTest("api", "/api/items/42?verbose=true", tuple(api_probes()), "api.lua"),
        "upload": BenchTest("upload", "/upload", (upload,), "upload.lua"),
    }


TEST_NAMES = tuple(bench_tests())
DATABASE_TESTS = ("db", "queries", "fortunes", "updates")


@dataclass(frozen=True)
class Framework:
    """One implementation: its label, its server and the tests it implements."""

    key: str
    label: str
    target: str
    server: str = "uvicorn"
    tests: tuple[str, ...] = TEST_NAMES
    packages: tuple[str, ...] = ()

    def command(self, port: int) -> list[str]:
        """The server command line (without the CPU pinning), bound to 127.0.0.1:``port``."""
        if self.server == "gunicorn":
            # gunicorn's documented worker count is 2 × cores + 1: one core here.
            return [
                "-m", "gunicorn", self.target, "--chdir", str(APPS),
                "--bind", f"127.0.0.1:{port}", "--workers", "3",
                "--worker-class", "gthread", "--threads", "4",
                "--log-level", "warning", "--no-control-socket",
            ]  # fmt: skip
        return [
            "-m", "uvicorn", self.target, "--app-dir", str(APPS),
            "--host", "127.0.0.1", "--port", str(port),
            "--loop", "uvloop", "--http", "httptools",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip


FRAMEWORKS: dict[str, Framework] = {
    fw.key: fw
    for fw in (
        Framework("bare", "bare ASGI", "bare_asgi:app", packages=("uvicorn", "asyncpg")),
        Framework("schooner", "Schooner", "schooner_raw:app", packages=("schooner",)),
        Framework(
            "schooner-orm",
            "Schooner ORM",
            "schooner_orm:app",
            tests=DATABASE_TESTS,
            packages=("schooner", "sqlalchemy"),
        ),
        Framework("starlette", "Starlette", "starlette_app:app", packages=("starlette",)),
        Framework("fastapi", "FastAPI", "fastapi_app:app", packages=("fastapi", "pydantic")),
        Framework("litestar", "Litestar", "litestar_app:app", packages=("litestar", "msgspec")),
        Framework("blacksheep", "BlackSheep", "blacksheep_app:app", packages=("blacksheep",)),
        Framework(
            "flask", "Flask", "flask_app:app", server="gunicorn", packages=("flask", "gunicorn")
        ),
        Framework(
            "django",
            "Django",
            "djangobench.wsgi",
            server="gunicorn",
            packages=("django", "gunicorn", "psycopg"),
        ),
    )
}
"""Every implementation, in report order."""

BASELINE = "bare"
SCHOONER = "schooner"
SCHOONER_ORM = "schooner-orm"
PEERS = ("starlette", "fastapi", "litestar", "blacksheep", "flask", "django")
