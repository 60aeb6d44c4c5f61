"""Running things: servers pinned to CPU 0, wrk pinned to CPU 1, probes, memory from /proc.

Servers are only ever stopped by the PID this module started them with; they listen on
127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from benchmarks.runner.spec import APPS, ROOT, WRK_SCRIPTS, Framework
from benchmarks.runner.validate import Probe

LOG_DIR = Path(tempfile.gettempdir()) / "schooner-bench-logs"


def pin(cpu: int) -> list[str]:
    """``taskset -c cpu`` when there is more than one CPU (and taskset), else nothing."""
    cpus = os.cpu_count() or 1
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and cpus > 1 else []


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request to 127.0.0.1; header names of the answer in lower case."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers=dict(headers or {}))
        response = conn.getresponse()
        answer = {name.lower(): value for name, value in response.getheaders()}
        return response.status, answer, response.read()
    finally:
        conn.close()


def run_probes(port: int, probes: tuple[Probe, ...]) -> list[str]:
    """Send every probe; return the problems found, each prefixed by its request."""
    problems = []
    for probe in probes:
        try:
            status, headers, body = request(
                port, probe.path, method=probe.method, headers=probe.headers, body=probe.body
            )
        except OSError as exc:
            problems.append(f"{probe.method} {probe.path}: {exc}")
            continue
        problems += [
            f"{probe.method} {probe.path}: {p}" for p in probe.check(status, headers, body)
        ]
    return problems


@dataclass
class Server:
    """A running server process and how long it took to answer its first request."""

    framework: Framework
    process: subprocess.Popen[bytes]
    port: int
    cold_start_s: float
    log: Path

    def stop(self) -> None:
        """Terminate the process this object started (by its PID), then kill if needed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start(
    framework: Framework,
    python: str = sys.executable,
    timeout: float = 60.0,
    *,
    ready: str | None = None,
) -> Server:
    """Start ``framework``'s server on CPU 0 and wait for ``ready`` to answer ``200``
    (by default ``/plaintext``, or ``/db`` for a framework without it).

    The cold start is the time from spawning the process to the first ``200``: interpreter,
    imports, app construction, startup hooks and the first request.
    """
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = LOG_DIR / f"{framework.key}.log"
    env = {**os.environ, "PYTHONPATH": str(APPS), "PYTHONDONTWRITEBYTECODE": "1"}
    first = ready or ("/plaintext" if "plaintext" in framework.tests else "/db")
    began = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*pin(0), python, *framework.command(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
    deadline = began + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            break
        try:
            if request(port, first, timeout=2)[0] == 200:
                return Server(framework, process, port, time.perf_counter() - began, log)
        except OSError:
            pass
        time.sleep(0.005)
    server = Server(framework, process, port, float("nan"), log)
    server.stop()
    raise RuntimeError(f"{framework.label} did not start; see {log}:\n{log.read_text()[-2000:]}")


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, from ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def status_kib(status_text: str, field: str) -> int:
    """A ``kB`` field (``VmRSS``, ``VmHWM``) of a ``/proc/<pid>/status`` text; 0 when absent."""
    match = re.search(rf"^{field}:\s+(\d+)\s+kB", status_text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def tree_memory_kib(pid: int, field: str) -> int:
    """The sum of ``field`` over ``pid``'s process tree (``VmHWM``: each process's peak)."""
    total = 0
    for member in process_tree(pid):
        try:
            total += status_kib(Path(f"/proc/{member}/status").read_text(), field)
        except OSError:
            continue
    return total


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    rps: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    p50_ms: float = float("nan")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _percentile_ms(output: str, percent: int) -> float:
    """A line of wrk's latency distribution (``99%    2.50ms``) in milliseconds; NaN if absent."""
    found = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    return float(found.group(1)) * _UNITS[found.group(2)] if found else float("nan")


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, median and p99 latency and error counts from ``wrk --latency`` output."""
    rps_match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rps_match is None:
        raise ValueError(f"no Requests/sec in wrk output:\n{output}")
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps_match.group(1)),
        p99_ms=_percentile_ms(output, 99),
        requests=int(total.group(1)) if total else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        p50_ms=_percentile_ms(output, 50),
    )


def wrk(
    port: int,
    path: str,
    *,
    duration: float,
    connections: int,
    script: str | None = None,
    script_args: tuple[str, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> WrkResult:
    """Load ``path`` with wrk (one thread, pinned to CPU 1) for ``duration`` seconds,
    sending ``headers`` (a session cookie…) with every request."""
    command = [
        *pin(1), "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s",
        "--timeout", "10s", "--latency",
    ]  # fmt: skip
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(WRK_SCRIPTS / script)]
    command.append(f"http://127.0.0.1:{port}{path}")
    if script_args:
        command += ["--", *script_args]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return parse_wrk(out)


def wrk_count(port: int, paths: list[str], *, requests: int, timeout: float = 900.0) -> None:
    """Send ``requests`` GET requests cycling through ``paths`` (16 connections), then stop.

    ``count.lua`` writes a marker file after the last response; wrk (the process this
    function started) is then terminated, as its own clock would run on.
    """
    with tempfile.TemporaryDirectory() as folder:
        marker = Path(folder) / "done"
        command = [
            *pin(1), "wrk", "-t1", "-c16", f"-d{round(timeout)}s", "-s",
            str(WRK_SCRIPTS / "count.lua"), f"http://127.0.0.1:{port}{paths[0]}",
            "--", str(requests), str(marker), *paths,
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + timeout
            while not marker.exists() and process.poll() is None:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{requests} requests did not finish in {timeout} s")
                time.sleep(0.1)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
