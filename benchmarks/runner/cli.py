"""The run: set up the database, measure every framework in interleaved rounds, report.

Each round starts every framework's server in turn (the order rotates between rounds), times
its cold start, validates every test's answers, then warms up and measures each test with wrk.
Failed validation marks that cell and skips its measurement; nothing invalid is counted.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.runner import database, measure, report
from benchmarks.runner.options import Options, parse
from benchmarks.runner.spec import APPS, FRAMEWORKS, ROOT, BenchTest, Framework, bench_tests

RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
PAGE = ROOT / "docs" / "benchmarks.md"
CHART = ROOT / "docs" / "img" / "benchmarks.png"
PACKAGES = (
    "schooner", "uvicorn", "uvloop", "httptools", "starlette", "fastapi", "pydantic",
    "litestar", "msgspec", "blacksheep", "flask", "werkzeug", "gunicorn", "django",
    "sqlalchemy", "asyncpg", "psycopg", "jinja2", "python-multipart",
)  # fmt: skip
GET_TESTS = ("plaintext", "json", "db", "queries", "fortunes")


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def versions() -> dict[str, str]:
    """Python, wrk and every installed package the run uses."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    found["wrk"] = (wrk.stdout + wrk.stderr).split()[1] if wrk.stdout or wrk.stderr else "?"
    return found


def machine() -> dict[str, Any]:
    """CPU model, core count and OS."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    system = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = line.partition("=")[2].strip('"')
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "os": system, "kernel": platform.release()}


def check_updates_written(port: int) -> list[str]:
    """The rows ``/updates`` answered must be in the database afterwards."""
    sys.path.insert(0, str(APPS))
    from _common import DSN

    status, _, body = measure.request(port, "/updates?queries=5")
    if status != 200:
        return [f"GET /updates?queries=5: status {status}"]
    worlds = json.loads(body)
    stored = database.fetch_numbers(DSN, [w["id"] for w in worlds])
    wrong = [w for w in worlds if stored.get(w["id"]) != w["randomNumber"]]
    return [f"/updates answered {w} but the row holds {stored.get(w['id'])}" for w in wrong]


def validate(server: measure.Server, test: BenchTest) -> list[str]:
    """Every probe of ``test``, plus the write-back check of ``updates``."""
    problems = measure.run_probes(server.port, test.probes)
    if test.name == "updates" and not problems:
        problems += check_updates_written(server.port)
    return problems


def measure_round(fw: Framework, options: Options, cells: dict[str, Any]) -> dict[str, float]:
    """One round of one framework: start, validate, measure every test, stop."""
    tests = bench_tests()
    server = measure.start(fw)
    try:
        for name in options.tests:
            if name not in fw.tests:
                continue
            test, entry = tests[name], cells.setdefault(name, {"status": "ok", "rounds": []})
            if entry["status"] != "ok":
                continue  # failed in an earlier round: stays failed
            problems = validate(server, test)
            if problems:
                entry.update(status="invalid", problems=problems)
                log(f"  {fw.label} {name}: INVALID — {problems[0]}")
                continue
            load = {"connections": options.connections, "script": test.script}
            measure.wrk(server.port, test.path, duration=options.warmup, **load)  # type: ignore[arg-type]
            result = measure.wrk(server.port, test.path, duration=options.duration, **load)  # type: ignore[arg-type]
            entry["rounds"].append(result.__dict__)
            if result.non_2xx:
                entry.update(
                    status="errors", problems=[f"{result.non_2xx} non-2xx answers under load"]
                )
            log(f"  {fw.label:13} {name:9} {result.rps:>10,.0f} req/s  p99 {result.p99_ms:7.1f} ms")
        peak = measure.tree_memory_kib(server.process.pid, "VmHWM") / 1024
    finally:
        server.stop()
    return {"cold_start_ms": server.cold_start_s * 1000, "peak_rss_mib": peak}


def memory_after(fw: Framework, options: Options) -> float:
    """RSS (MiB) of a fresh server after ``options.memory_requests`` GET requests."""
    paths = [bench_tests()[t].path for t in GET_TESTS if t in fw.tests and t in options.tests]
    if not paths or options.memory_requests <= 0:
        return math.nan
    server = measure.start(fw)
    try:
        measure.wrk_count(server.port, paths, requests=options.memory_requests)
        return measure.tree_memory_kib(server.process.pid, "VmRSS") / 1024
    finally:
        server.stop()


def run(options: Options) -> dict[str, Any]:
    """Measure everything ``options`` asks for; return the results dict."""
    frameworks = [FRAMEWORKS[key] for key in options.frameworks]
    cells: dict[str, dict[str, Any]] = {fw.key: {} for fw in frameworks}
    starts: dict[str, list[dict[str, float]]] = {fw.key: [] for fw in frameworks}
    for number in range(options.rounds):
        log(f"round {number + 1}/{options.rounds}")
        shift = number % len(frameworks)
        for fw in frameworks[shift:] + frameworks[:shift]:
            try:
                starts[fw.key].append(measure_round(fw, options, cells[fw.key]))
            except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                log(f"  {fw.label}: FAILED — {exc}")
                for name in options.tests:
                    if name in fw.tests:
                        entry = cells[fw.key].setdefault(name, {"rounds": []})
                        entry.update(status="failed", problems=[str(exc).splitlines()[0]])
    summary: dict[str, Any] = {}
    for fw in frameworks:
        log(f"memory after {options.memory_requests:,} requests: {fw.label}")
        try:
            after = memory_after(fw, options)
        except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            log(f"  {fw.label}: memory run FAILED — {exc}")
            after = math.nan
        for entry in cells[fw.key].values():
            entry["rps"] = report.median(r["rps"] for r in entry["rounds"])
            entry["p99_ms"] = report.median(r["p99_ms"] for r in entry["rounds"])
        summary[fw.key] = {
            "label": fw.label,
            "server": fw.server,
            "cold_start_ms": report.median(s["cold_start_ms"] for s in starts[fw.key]),
            "peak_rss_mib": max((s["peak_rss_mib"] for s in starts[fw.key]), default=math.nan),
            "rss_after_mib": after,
            "tests": cells[fw.key],
        }
    return {"frameworks": summary}


def finite(value: Any) -> Any:
    """``value`` with every NaN replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [finite(item) for item in value]
    return value


def main(argv: list[str] | None = None) -> None:
    """``scripts/bench``: create the tables, run, write the JSON, the page and the chart."""
    options = parse(argv)
    began = time.monotonic()
    if any(t in options.tests for t in ("db", "queries", "fortunes", "updates")):
        sys.path.insert(0, str(APPS))
        from _common import DSN

        log("creating database tables")
        database.create(DSN)
    results = run(options)
    results.update(
        command="scripts/bench " + shlex.join(sys.argv[1:] if argv is None else argv),
        finished=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seconds=round(time.monotonic() - began),
        settings={**options.__dict__, "tests": list(options.tests), "queries": 20},
        machine=machine(),
        versions=versions(),
    )
    results = finite(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    if options.update_docs:
        report.write_chart(results, CHART)
        generated = report.render_markdown(results, chart=str(CHART.relative_to(PAGE.parent)))
        PAGE.write_text(report.replace_region(PAGE.read_text(), generated))
        log(f"rewrote {PAGE.relative_to(ROOT)} and {CHART.relative_to(ROOT)}")
    print(report.render_markdown(results))
    log(f"done in {time.monotonic() - began:.0f} s")
