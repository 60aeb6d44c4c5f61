"""Schooner's admin against Django's admin: the same list pages of the same PostgreSQL data.

One run, one database made for it (a unique name, dropped at the end) holding the polls
tables (100,000 choices over 10,000 questions by default, the same rows every run), and
two servers pinned to CPU 0 as the suite runs them (``benchmarks/runner``): Schooner's
admin under uvicorn (``apps/schooner_admin.py``), Django's under gunicorn
(``apps/djangoadmin``, gthread workers as the suite's Django). Each side makes its own
account tables with its own migrations, creates its superuser with its own command and
signs in through its own login form, once; then wrk (on CPU 1, 16 connections: more than
Django's 12 threads) loads four addresses of the choices' change list with that session
cookie, most votes first:

* page 1 and page 500, without a search;
* page 1 and page 500 of a search for ``maybe``, which 6 choices in 10 contain.

Before anything is measured, and again after, every page is checked: a ``200`` HTML page
whose rows (choice, question, votes) are exactly the expected ones, the same on both
sides. Rounds alternate the sides; after each load the run waits until PostgreSQL has
finished the queries of requests wrk gave up on. The output is a table (requests/s,
median and p99 latency, CPU time per request of the server and of PostgreSQL, and the
Schooner/Django ratio of requests/s), also written as JSON
(``benchmarks/results/admin.json``).

    scripts/bench admin [--duration 10] [--connections 16] [--rounds 3]
    benchmarks/.venv/bin/python -m benchmarks.admin --database-url postgresql://…/postgres
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import shlex
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.admin_pages import (
    PER_PAGE,
    SEARCH_TERM,
    PollsData,
    check_page,
    sign_in_django,
    sign_in_schooner,
)
from benchmarks.admin_setup import (
    cpu_seconds,
    create_database,
    database_backends,
    drain,
    drop_database,
    environment,
    fill,
    set_up,
    with_database,
)
from benchmarks.apps._admin_common import SUPERUSER_PASSWORD
from benchmarks.runner import measure
from benchmarks.runner.cli import machine, versions
from benchmarks.runner.spec import ROOT, Framework

RESULTS = ROOT / "benchmarks" / "results" / "admin.json"
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Side:
    """One admin: its server and where its pages are."""

    key: str
    label: str
    framework: Framework
    changelist: str
    login_page: str


SIDES = {
    "schooner": Side(
        "schooner",
        "Schooner",
        Framework("schooner-admin", "Schooner admin", "schooner_admin:app"),
        "/admin/polls/choice",
        "/accounts/login",
    ),
    "django": Side(
        "django",
        "Django",
        Framework("django-admin", "Django admin", "djangoadmin.wsgi", server="gunicorn"),
        "/admin/polls/choice/",
        "/admin/login/",
    ),
}


@dataclass(frozen=True)
class Address:
    """One measured page of the change list."""

    key: str
    label: str
    query: str
    term: str
    page: int


def addresses(far_page: int) -> list[Address]:
    """Page 1 and page ``far_page``, without and with the search."""
    far = f"page {far_page}"
    return [
        Address("page-1", "page 1", "", "", 1),
        Address("page-far", far, f"?p={far_page}", "", far_page),
        Address("search-page-1", "search, page 1", f"?q={SEARCH_TERM}", SEARCH_TERM, 1),
        Address(
            "search-page-far",
            f"search, {far}",
            f"?q={SEARCH_TERM}&p={far_page}",
            SEARCH_TERM,
            far_page,
        ),
    ]


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[admin bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Running:
    """A started side: its server and its signed-in session cookie."""

    side: Side
    server: measure.Server
    cookie: str


def start(side: Side) -> Running:
    """Start the side's server, sign in as its superuser and return the session cookie."""
    server = measure.start(side.framework, ready=side.login_page)
    try:
        sign_in = sign_in_schooner if side.key == "schooner" else sign_in_django
        cookie = sign_in(server.port, side.login_page, side.changelist)
    except BaseException:
        server.stop()
        raise
    return Running(side, server, cookie)


def verify(running: list[Running], pages: list[Address], data: PollsData) -> list[str]:
    """Every page of every side, checked against the expected rows; the problems found."""
    problems = []
    for address in pages:
        expected = data.page(address.term, address.page)
        for item in running:
            path = item.side.changelist + address.query
            status, headers, body = measure.request(
                item.server.port, path, headers={"Cookie": item.cookie}, timeout=60
            )
            problems += [
                f"{item.side.label} {path}: {problem}"
                for problem in check_page(status, headers, body, expected)
            ]
    return problems


def measure_all(
    running: list[Running], pages: list[Address], options: argparse.Namespace
) -> dict[str, Any]:
    """Rounds of wrk over every page and side (the side order alternates); the figures."""
    results: dict[str, Any] = {
        a.key: {"label": a.label, "query": a.query, "sides": {}} for a in pages
    }
    for round_number in range(options.rounds):
        for index, address in enumerate(pages):
            order = running if (round_number + index) % 2 == 0 else running[::-1]
            for item in order:
                path = item.side.changelist + address.query
                load = {"connections": options.connections, "headers": {"Cookie": item.cookie}}
                if options.warmup > 0:
                    measure.wrk(item.server.port, path, duration=options.warmup, **load)  # type: ignore[arg-type]
                server = measure.process_tree(item.server.process.pid)
                backends = database_backends(options.database_name)
                before = cpu_seconds(server), cpu_seconds(backends)
                result = measure.wrk(item.server.port, path, duration=options.duration, **load)  # type: ignore[arg-type]
                after = cpu_seconds(server), cpu_seconds(backends)
                figures = {
                    **result.__dict__,
                    "server_cpu_ms": 1000 * (after[0] - before[0]) / max(result.requests, 1),
                    "database_cpu_ms": 1000 * (after[1] - before[1]) / max(result.requests, 1),
                }
                entry = results[address.key]["sides"].setdefault(
                    item.side.key, {"path": path, "rounds": []}
                )
                entry["rounds"].append(figures)
                waited = drain(options.dsn)
                if waited > 1:
                    log(f"  PostgreSQL was still busy with that load for {waited:.1f} s")
                log(
                    f"round {round_number + 1} {item.side.label:8} {address.label:20} "
                    f"{result.rps:8.1f} requests/s  p99 {result.p99_ms:7.1f} ms  CPU/request: "
                    f"server {figures['server_cpu_ms']:5.1f} ms, "
                    f"PostgreSQL {figures['database_cpu_ms']:5.1f} ms"
                    + (f"  {result.non_2xx} NON-2XX" if result.non_2xx else "")
                )
    for entry in results.values():
        for figures in entry["sides"].values():
            rounds = figures["rounds"]
            for name in ("rps", "p50_ms", "p99_ms", "server_cpu_ms", "database_cpu_ms"):
                figures[name] = statistics.median(r[name] for r in rounds)
            figures["non_2xx"] = sum(r["non_2xx"] for r in rounds)
            figures["socket_errors"] = sum(r["socket_errors"] for r in rounds)
            figures["answered"] = min(r["requests"] for r in rounds) > 0
        sides = entry["sides"]
        if "schooner" in sides and "django" in sides and sides["django"]["rps"]:
            entry["ratio"] = sides["schooner"]["rps"] / sides["django"]["rps"]
    return results


# -- output ---------------------------------------------------------------------------------


def table(results: dict[str, Any], sides: list[str]) -> str:
    """The figures as a Markdown table (medians of the rounds); CPU time per request is the
    server's plus PostgreSQL's."""
    labels = [SIDES[key].label for key in sides]
    head = ["page"]
    for label in labels:
        head += [f"{label} requests/s", "p50 ms", "p99 ms", "CPU ms/request"]
    if len(sides) == 2:
        head.append("Schooner / Django")
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for entry in results.values():
        cells = [entry["label"]]
        for key in sides:
            figures = entry["sides"][key]
            cells += [
                f"{figures['rps']:,.0f}",
                f"{figures['p50_ms']:,.1f}",
                f"{figures['p99_ms']:,.1f}",
                f"{figures['server_cpu_ms']:.1f} + {figures['database_cpu_ms']:.1f}",
            ]
        if len(sides) == 2:
            cells.append(f"{entry['ratio']:.2f}×" if "ratio" in entry else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    """The command-line options."""
    p = argparse.ArgumentParser(prog="scripts/bench admin", description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000, help="choices (100,000)")
    p.add_argument("--questions", type=int, default=10_000, help="questions (10,000)")
    p.add_argument("--far-page", type=int, default=500, help="the far page measured (500)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (10)")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up before each (3)")
    p.add_argument("--rounds", type=int, default=3, help="rounds; the tables show medians (3)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    p.add_argument(
        "--database-url",
        default=SERVER,
        help="a PostgreSQL server to make the run's database on (any database of it, "
        f"default {SERVER}); the run's database is dropped at the end",
    )
    p.add_argument("--sides", default="schooner,django", help="schooner,django (both)")
    p.add_argument("--output", type=Path, default=RESULTS, help="the JSON file written")
    return p


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse and check the options."""
    p = parser()
    options = p.parse_args(argv)
    options.sides = [s.strip() for s in options.sides.split(",") if s.strip()]
    if not options.sides or any(side not in SIDES for side in options.sides):
        p.error(f"--sides: choose from {', '.join(SIDES)}")
    if min(options.rows, options.questions, options.far_page, options.rounds) < 1:
        p.error("--rows, --questions, --far-page and --rounds must be positive")
    if options.duration <= 0 or options.warmup < 0 or options.connections < 1:
        p.error("--duration and --connections must be positive, --warmup not negative")
    matching = PollsData(options.rows, options.questions).matching(SEARCH_TERM)
    if matching <= (options.far_page - 1) * PER_PAGE:
        p.error(
            f"page {options.far_page} of the search needs more than "
            f"{(options.far_page - 1) * PER_PAGE} matching rows; {options.rows} rows give "
            f"{matching}: raise --rows or lower --far-page"
        )
    return options


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a page is wrong or answers errors under load."""
    options = parse(argv)
    data = PollsData(options.rows, options.questions)
    pages = addresses(options.far_page)
    name = options.database_name = f"schooner_admin_bench_{uuid.uuid4().hex[:12]}"
    dsn = options.dsn = with_database(options.database_url, name)
    sides = [SIDES[key] for key in SIDES if key in options.sides]
    matching = data.matching(SEARCH_TERM)
    log(f"database {name}: {options.rows:,} choices over {options.questions:,} questions")
    log(
        f"the search '{SEARCH_TERM}' matches {matching:,} of {options.rows:,} choices "
        f"({matching / options.rows:.0%}); {PER_PAGE} rows per page"
    )
    create_database(options.database_url, name)
    running: list[Running] = []
    try:
        fill(dsn, data)
        variables = {
            "BENCH_ADMIN_DATABASE_URL": dsn,
            "BENCH_ADMIN_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
        }
        with environment(**variables):
            for side in sides:
                log(f"{side.label}: migrations and superuser")
                set_up(side.key)
            for side in sides:
                running.append(start(side))
                log(f"{side.label}: started, signed in")
            problems = verify(running, pages, data)
            if not problems:
                log("every page lists the expected rows; measuring")
                results = measure_all(running, pages, options)
                problems = verify(running, pages, data)  # still signed in, still right
    finally:
        for item in running:
            item.server.stop()
        drop_database(options.database_url, name)
    if problems:
        for problem in problems:
            log(f"WRONG PAGE: {problem}")
        return 1
    print(table(results, [side.key for side in sides]))
    write(options, argv, data, results)
    errors = [
        f"{entry['label']} ({SIDES[key].label}): "
        + ("no answer in a round" if not figures["answered"] else f"{figures['non_2xx']} errors")
        for entry in results.values()
        for key, figures in entry["sides"].items()
        if figures["non_2xx"] or not figures["answered"]
    ]
    for error in errors:
        log(f"FAILED UNDER LOAD: {error}")
    return 1 if errors else 0


def write(
    options: argparse.Namespace, argv: list[str] | None, data: PollsData, results: dict[str, Any]
) -> None:
    """The JSON file: when, where, with what, and every figure of every round."""
    document = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["benchmarks/admin.py", *(sys.argv[1:] if argv is None else argv)]),
        "machine": machine(),
        "python": platform.python_version(),
        "versions": versions(),
        "options": {
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "rounds": options.rounds,
            "connections": options.connections,
        },
        "data": {
            "choices": data.rows,
            "questions": data.question_count,
            "search_term": SEARCH_TERM,
            "matching": data.matching(SEARCH_TERM),
            "per_page": PER_PAGE,
        },
        "servers": {  # pinned to CPU 0 (taskset), on a free port
            key: shlex.join(SIDES[key].framework.command(0)).replace(f"{ROOT}/", "")
            for key in options.sides
        },
        "results": results,
    }
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    log(f"wrote {options.output}")


if __name__ == "__main__":
    sys.exit(main())
