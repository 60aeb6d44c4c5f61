"""Command-line options of ``scripts/bench``, resolved into one settings object."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from benchmarks.runner.spec import FRAMEWORKS, TEST_NAMES

FULL = {"duration": 10.0, "warmup": 3.0, "rounds": 3, "memory_requests": 100_000}
QUICK = {"duration": 2.0, "warmup": 1.0, "rounds": 2, "memory_requests": 5_000}


@dataclass(frozen=True)
class Options:
    """What to run and for how long."""

    quick: bool
    frameworks: tuple[str, ...]
    tests: tuple[str, ...]
    duration: float
    warmup: float
    rounds: int
    connections: int
    memory_requests: int
    update_docs: bool


def _names(raw: str | None, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    if raw is None:
        return known
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what}: {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(known)}"
        )
    return tuple(name for name in known if name in names)  # report order, no duplicates


def parser() -> argparse.ArgumentParser:
    """The argument parser (``scripts/bench --help``)."""
    p = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Schooner against bare ASGI and its peers: TechEmpower tests plus api/upload.",
    )
    p.add_argument("--quick", action="store_true", help="short run (2 rounds of 2 s)")
    p.add_argument("--frameworks", help=f"comma-separated subset of {','.join(FRAMEWORKS)}")
    p.add_argument("--tests", help=f"comma-separated subset of {','.join(TEST_NAMES)}")
    p.add_argument("--duration", type=float, help="seconds measured per test and round")
    p.add_argument("--warmup", type=float, help="seconds of warm-up before each measurement")
    p.add_argument("--rounds", type=int, help="rounds, interleaved across frameworks")
    p.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    p.add_argument("--memory-requests", type=int, help="requests before reading RSS")
    p.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    return p


def parse(argv: list[str] | None = None) -> Options:
    """Parse ``argv``: ``--quick`` picks short defaults, explicit flags override them."""
    p = parser()
    args = p.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    try:
        frameworks = _names(args.frameworks, tuple(FRAMEWORKS), "framework")
        tests = _names(args.tests, TEST_NAMES, "test")
    except argparse.ArgumentTypeError as exc:
        p.error(str(exc))
    options = Options(
        quick=args.quick,
        frameworks=frameworks,
        tests=tests,
        duration=args.duration if args.duration is not None else defaults["duration"],
        warmup=args.warmup if args.warmup is not None else defaults["warmup"],
        rounds=args.rounds if args.rounds is not None else int(defaults["rounds"]),
        connections=args.connections,
        memory_requests=(
            args.memory_requests
            if args.memory_requests is not None
            else int(defaults["memory_requests"])
        ),
        update_docs=not args.no_docs,
    )
    if options.rounds < 1 or options.duration <= 0 or options.connections < 1:
        p.error("--rounds, --duration and --connections must be positive")
    return options
