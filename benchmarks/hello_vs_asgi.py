"""Requests/s of examples/hello against a bare ASGI app, same uvicorn, same run.

Each server is one uvicorn process (uvloop + httptools) pinned to CPU 0; wrk is pinned to
CPU 1. Rounds alternate between the apps so that drift on a shared machine hits both; the
median round is reported. Every response is checked before the load starts.

    .venv/bin/python benchmarks/hello_vs_asgi.py [--duration 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = {
    "bare ASGI": ("bare_asgi:app", ROOT / "benchmarks" / "apps"),
    "Schooner (examples/hello)": ("app:app", ROOT / "examples" / "hello"),
}
PATHS = {
    "/": {"message": "Hello from Schooner"},
    "/items/1": {"id": 1, "name": "Anchor", "price": 49.5, "tags": ["deck"]},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(cpu: int) -> list[str]:
    return (
        ["taskset", "-c", str(cpu)]
        if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1
        else []
    )  # type: ignore[operator]


def start(target: str, app_dir: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        *pin(0),
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--app-dir",
        str(app_dir),
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(
        f"{target} did not start: {proc.stdout.read().decode() if proc.stdout else ''}"
    )


def check(port: int) -> None:
    for path, expected in PATHS.items():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:
            body = json.loads(response.read())
            if body != expected or response.headers["content-type"] != "application/json":
                raise SystemExit(f"wrong response for {path}: {body!r}")


def wrk(port: int, path: str, duration: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(
        [
            *pin(1),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            f"http://127.0.0.1:{port}{path}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"errors under load:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_match = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99 = float(p99_match.group(1)) * scale[p99_match.group(2)] if p99_match else float("nan")
    return rps, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "results" / "hello_vs_asgi.json"
    )
    args = parser.parse_args()
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        name: {p: [] for p in PATHS} for name in APPS
    }
    for round_no in range(args.rounds):
        for name, (target, app_dir) in APPS.items():
            port = free_port()
            proc = start(target, app_dir, port)
            try:
                check(port)
                for path in PATHS:
                    wrk(port, path, 2, args.connections)  # warm-up
                    results[name][path].append(wrk(port, path, args.duration, args.connections))
            finally:
                proc.terminate()
                proc.wait(10)
        print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
    summary = {}
    bare = "bare ASGI"
    print(f"| app | path | req/s (median of {args.rounds}) | p99 ms | ratio vs bare ASGI |")
    print("|---|---|---:|---:|---:|")
    for name in APPS:
        for path in PATHS:
            rps = statistics.median(r for r, _ in results[name][path])
            p99 = statistics.median(p for _, p in results[name][path])
            base = statistics.median(r for r, _ in results[bare][path])
            summary[f"{name} {path}"] = {"rps": rps, "p99_ms": p99, "ratio": rps / base}
            print(f"| {name} | `{path}` | {rps:,.0f} | {p99:.2f} | {rps / base:.2f} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"command": sys.argv, "results": summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
