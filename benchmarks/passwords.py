"""Password hashing throughput and memory: what one login costs with Argon2Parameters.

For the default parameters (OWASP's argon2id minimum: m=19 MiB, t=2, p=1), or RFC 9106's
second recommended option with ``--rfc9106`` (m=64 MiB, t=3, p=4), it reports hashes/s and
verifies/s through ``PasswordHasher`` one at a time and with N at once (N =
``max_concurrency``, the CPU count by default), and the memory a hash takes: argon2's
``memory_cost``, and the peak RSS (``VmHWM``) a fresh process gains doing one hash and N at
once, which confirms the ``N × memory_cost`` bound.

    .venv/bin/python benchmarks/passwords.py [--rfc9106] [--count 30] [--concurrency N] \\
        [--json out.json]

The functions are importable (``measure_rate``, ``measure_memory``, ``run``) so that other
benchmarks, such as login requests/s through an app, can reuse them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Literal

import msgspec

from schooner.contrib.auth import Argon2Parameters, PasswordHasher

Operation = Literal["hash", "verify"]
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Figures:
    """Everything one run measures."""

    parameters: dict[str, int]
    concurrency: int
    hash_per_s_single: float
    hash_per_s_concurrent: float
    verify_per_s_single: float
    verify_per_s_concurrent: float
    memory_cost_mib: float
    rss_one_hash_mib: float
    rss_concurrent_mib: float


def peak_rss_kib() -> int:
    """The process's peak resident memory so far (``VmHWM``), in KiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


async def _rate(hasher: PasswordHasher, operation: Operation, count: int, at_once: int) -> float:
    encoded = await hasher.hash(PASSWORD)  # also the warm-up

    async def one() -> None:
        if operation == "hash":
            await hasher.hash(PASSWORD)
        elif not await hasher.verify(PASSWORD, encoded):
            raise SystemExit("verify failed: the benchmark is broken")

    began = time.perf_counter()
    for start in range(0, count, at_once):
        await asyncio.gather(*(one() for _ in range(min(at_once, count - start))))
    return count / (time.perf_counter() - began)


def measure_rate(
    parameters: Argon2Parameters, operation: Operation, *, count: int, at_once: int = 1
) -> float:
    """Operations per second through ``PasswordHasher``, ``at_once`` running together
    (``max_concurrency = at_once``), over ``count`` operations after one warm-up hash."""
    hasher = PasswordHasher(parameters, max_concurrency=at_once)
    return asyncio.run(_rate(hasher, operation, count, at_once))


def measure_memory(parameters: Argon2Parameters, *, at_once: int = 1) -> float:
    """MiB of peak RSS a fresh process gains while ``at_once`` hashes run together.

    Measured in a subprocess, since a process's peak only ever grows.
    """
    options = json.dumps(msgspec.structs.asdict(parameters))
    command = [sys.executable, __file__, "--probe", options, str(at_once)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return int(output.strip()) / 1024


def _probe(options: str, at_once: int) -> None:
    """Print the KiB of peak RSS gained by ``at_once`` hashes run together."""
    parameters = Argon2Parameters(**json.loads(options))
    hasher = PasswordHasher(parameters, max_concurrency=at_once)
    cheap = PasswordHasher(Argon2Parameters(time_cost=1, memory_cost=8), max_concurrency=at_once)

    async def probe() -> int:
        # Warm up with a cheap hash per thread: the library, the loop and the worker
        # threads are in place before the baseline is read.
        await asyncio.gather(*(cheap.hash(PASSWORD) for _ in range(at_once)))
        before = peak_rss_kib()
        await asyncio.gather(*(hasher.hash(PASSWORD) for _ in range(at_once)))
        return peak_rss_kib() - before

    print(asyncio.run(probe()))


def run(parameters: Argon2Parameters, *, count: int, concurrency: int) -> Figures:
    """Measure everything for ``parameters``."""
    return Figures(
        parameters=msgspec.structs.asdict(parameters),
        concurrency=concurrency,
        hash_per_s_single=measure_rate(parameters, "hash", count=count),
        hash_per_s_concurrent=measure_rate(
            parameters, "hash", count=count * concurrency, at_once=concurrency
        ),
        verify_per_s_single=measure_rate(parameters, "verify", count=count),
        verify_per_s_concurrent=measure_rate(
            parameters, "verify", count=count * concurrency, at_once=concurrency
        ),
        memory_cost_mib=parameters.memory_cost / 1024,
        rss_one_hash_mib=measure_memory(parameters),
        rss_concurrent_mib=measure_memory(parameters, at_once=concurrency),
    )


def report(figures: Figures) -> str:
    """The figures as a small Markdown table, with the machine they were taken on."""
    p = figures.parameters
    n = figures.concurrency
    lines = [
        f"argon2id m={p['memory_cost']} KiB ({figures.memory_cost_mib:.1f} MiB), "
        f"t={p['time_cost']}, p={p['parallelism']} — {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, argon2-cffi {version('argon2-cffi')}",
        "",
        f"| | 1 at a time | {n} at once |",
        "|---|---:|---:|",
        f"| hashes/s | {figures.hash_per_s_single:.1f} | {figures.hash_per_s_concurrent:.1f} |",
        f"| verifies/s | {figures.verify_per_s_single:.1f} "
        f"| {figures.verify_per_s_concurrent:.1f} |",
        f"| ms per verify | {1000 / figures.verify_per_s_single:.1f} "
        f"| {1000 * n / figures.verify_per_s_concurrent:.1f} |",
        f"| peak RSS gained | {figures.rss_one_hash_mib:.1f} MiB "
        f"| {figures.rss_concurrent_mib:.1f} MiB |",
        f"| memory_cost × hashes | {figures.memory_cost_mib:.1f} MiB "
        f"| {figures.memory_cost_mib * n:.1f} MiB |",
    ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--probe":
        _probe(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rfc9106",
        action="store_true",
        help="RFC 9106's second recommended option (m=64 MiB, t=3, p=4) instead of the defaults",
    )
    parser.add_argument("--count", type=int, default=30, help="operations per measurement")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 2,
        help="hashes at once for the concurrent column (default: the CPU count, as "
        "PasswordHasher's max_concurrency)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    parameters = Argon2Parameters.rfc9106_low_memory() if args.rfc9106 else Argon2Parameters()
    figures = run(parameters, count=args.count, concurrency=args.concurrency)
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(asdict(figures), indent=2) + "\n")


if __name__ == "__main__":
    main()
