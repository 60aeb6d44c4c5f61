"""In-process cost per request of the benchmark's plaintext, json and api handlers.

No server and no sockets: the Schooner benchmark app (production settings, as served by
``scripts/bench``) is called as an ASGI app in a loop, with the scope, body and headers the
load test sends, and the time per request is reported (best of several rounds, so that a busy
machine shows as noise on the slow rounds only). Use it before and after a hot-path change:

    .venv/bin/python benchmarks/inprocess.py [--requests 20000] [--rounds 7] [--json out.json]

On a shared machine, count instructions instead of seconds (repeatable whatever else runs):
run one case under ``valgrind --tool=callgrind`` with two request counts and divide the
difference in instructions by the difference in requests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

APPS = Path(__file__).resolve().parent / "apps"
API_BODY = b'{"name": "Anchor", "price": 49.5, "tags": ["deck", "brass"]}'

Scope = dict[str, Any]


def _scope(method: str, path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


CASES: dict[str, tuple[str, str, bytes, list[tuple[bytes, bytes]], bytes]] = {
    "plaintext": ("GET", "/plaintext", b"", [], b""),
    "json": ("GET", "/json", b"", [], b""),
    "api": (
        "POST",
        "/api/items/42",
        b"verbose=true",
        [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(API_BODY)).encode()),
            (b"x-token", b"bench-token"),
        ],
        API_BODY,
    ),
}


def load_app() -> Any:
    """The routes both Schooner benchmark apps share, on a production app."""
    sys.path.insert(0, str(APPS))
    from _schooner_common import production_app, router

    app = production_app()
    app.include(router)
    app.build()
    return app


async def _run(app: Any, case: str, count: int) -> float:
    method, path, query, headers, body = CASES[case]
    statuses: list[int] = []
    request = {"type": "http.request", "body": body, "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    template = _scope(method, path, query, headers)
    copy: Callable[[], Scope] = template.copy
    began = time.perf_counter()
    for _ in range(count):
        await app(copy(), receive, send)
    elapsed = time.perf_counter() - began
    if set(statuses) != {200}:
        raise SystemExit(f"{case}: unexpected statuses {sorted(set(statuses))}")
    return elapsed / count


def measure(count: int, rounds: int) -> dict[str, float]:
    """Best time per request in µs for each case."""
    app = load_app()
    results: dict[str, float] = {}
    loop = asyncio.new_event_loop()
    try:
        for case in CASES:
            loop.run_until_complete(_run(app, case, 1000))  # warm-up
            best = float("inf")
            for _ in range(rounds):
                gc.collect()
                best = min(best, loop.run_until_complete(_run(app, case, count)))
            results[case] = round(best * 1e6, 3)
    finally:
        loop.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--case", choices=sorted(CASES), action="append", help="only these cases")
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="collect, then turn the garbage collector off while measuring: steadier counts "
        "under callgrind, where one more or one fewer collection shows as noise",
    )
    args = parser.parse_args()
    for case in set(CASES) - set(args.case or CASES):
        del CASES[case]
    if args.no_gc:
        gc.collect()
        gc.disable()
    results = measure(args.requests, args.rounds)
    for case, micros in results.items():
        print(f"{case:10} {micros:8.2f} µs/request")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
