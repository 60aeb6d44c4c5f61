"""Sign-in cost through the real app, and whether timing tells known accounts from unknown.

An app with the accounts battery (SQLite in a temporary folder, the default argon2id
parameters, mail kept in memory) is called in-process through the test client:

* **login requests/s**: successful sign-ins one at a time, then ``--requests`` at once
  (hashing runs in worker threads, ``max_concurrency`` at a time);
* **enumeration timing**: the median time of a request about a known account against one
  about an unknown account, for a failed sign-in, a registration and a reset request. The
  bound is stated here and checked with ``--check``: the two medians differ by less than
  ``BOUND_FRACTION`` of the larger one (or ``BOUND_MS``, whichever is larger).

    .venv/bin/python benchmarks/accounts.py [--requests 40] [--database-url URL] [--check]

The memory each hash takes is the argon2 ``memory_cost`` (and what benchmarks/passwords.py
measures); it is printed here too.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from schooner import App, Settings
from schooner.contrib.auth import Argon2Parameters, Auth, PasswordHasher, User
from schooner.contrib.csrf.testing import as_browser
from schooner.contrib.mail import Mail
from schooner.contrib.orm import Database
from schooner.contrib.sessions import Sessions
from schooner.contrib.templates import Templates
from schooner.testing import AsyncTestClient

BOUND_FRACTION = 0.10
"""Known and unknown medians may differ by at most this share of the larger one …"""
BOUND_MS = 3.0
"""… or by this many milliseconds, whichever is larger (noise on a fast machine)."""

PASSWORD = "correct horse battery staple"


def build_app(folder: Path, parameters: Argon2Parameters, url: str | None) -> App:
    """The measured app: every account default, limits raised so that throttling never
    answers in place of the code being measured."""
    (folder / "templates").mkdir(exist_ok=True)
    return App(
        settings=Settings(secret_key="benchmark-" + "k" * 40),
        components=[
            Database(url or f"sqlite+aiosqlite:///{folder / 'accounts.db'}"),
            Sessions(),
            Templates(folder / "templates"),
            Mail("memory", base_url="https://bench.example", default_from="b@bench.example"),
            Auth(
                pages=False,  # measured through the JSON API
                hasher=PasswordHasher(parameters),
                account_limits="1000000/minute",
                address_limits="1000000/minute",
            ),
        ],
    )


async def timed(call: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    """Milliseconds of ``count`` calls, one after the other."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def within_bound(known: list[float], unknown: list[float]) -> tuple[float, float, bool]:
    """Medians' difference, the allowed difference, and whether it holds."""
    a, b = statistics.median(known), statistics.median(unknown)
    allowed = max(BOUND_MS, BOUND_FRACTION * max(a, b))
    return abs(a - b), allowed, abs(a - b) <= allowed


async def measure(requests: int, parameters: Argon2Parameters, url: str | None) -> bool:
    """Print the figures; whether every timing pair is within the bound."""
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp), parameters, url)
        auth = app.component(Auth)
        database = app.component(Database)
        assert auth is not None
        assert database is not None
        async with AsyncTestClient(app) as client:
            as_browser(client)
            await database.drop_all()
            await database.create_all()
            async with database.transaction() as db:
                user = User(email="known@example.com", email_verified=True)
                user.password = await auth.hasher.hash(PASSWORD)
                db.add(user)
            right = {"email": "known@example.com", "password": PASSWORD}
            wrong = {"email": "known@example.com", "password": "wrong password!"}
            ghost = {"email": "ghost@example.com", "password": "wrong password!"}

            async def login(body: dict[str, str], expect: int) -> None:
                response = await client.post("/api/auth/login", json=body)
                assert response.status_code == expect, response.text

            await login(right, 200)  # warm up
            sequential = await timed(lambda: login(right, 200), requests)
            start = time.perf_counter()
            await asyncio.gather(*(login(right, 200) for _ in range(requests)))
            elapsed = time.perf_counter() - start
            print(
                f"argon2id m={parameters.memory_cost} KiB t={parameters.time_cost} "
                f"p={parameters.parallelism}: {parameters.memory_cost / 1024:.1f} MiB per hash"
            )
            print(
                f"login, one at a time : {1000 / statistics.mean(sequential):7.1f} requests/s "
                f"(median {statistics.median(sequential):.1f} ms)"
            )
            print(
                f"login, {requests} at once   : {requests / elapsed:7.1f} requests/s "
                f"(hasher max_concurrency {auth.hasher.max_concurrency})"
            )

            counter = iter(range(10**9))
            pairs: list[tuple[str, list[float], list[float]]] = []
            pairs.append(
                (
                    "failed sign-in",
                    await timed(lambda: login(wrong, 400), requests),
                    await timed(lambda: login(ghost, 400), requests),
                )
            )

            async def register(email: str) -> None:
                body = {"email": email, "password": "a long enough passphrase"}
                response = await client.post("/api/auth/register", json=body)
                assert response.status_code == 202, response.text

            pairs.append(
                (
                    "registration",
                    await timed(lambda: register("known@example.com"), requests),
                    await timed(lambda: register(f"new{next(counter)}@example.com"), requests),
                )
            )

            async def reset(email: str) -> None:
                response = await client.post("/api/auth/password-reset", json={"email": email})
                assert response.status_code == 202

            pairs.append(
                (
                    "reset request",
                    await timed(lambda: reset("known@example.com"), requests),
                    await timed(lambda: reset("ghost@example.com"), requests),
                )
            )
            await auth.drain_mail()
            await database.drop_all()
        ok = True
        print(
            f"\nknown vs unknown account (median ms; bound: {BOUND_FRACTION:.0%} or {BOUND_MS} ms)"
        )
        for name, known, unknown in pairs:
            difference, allowed, holds = within_bound(known, unknown)
            ok = ok and holds
            print(
                f"  {name:15} known {statistics.median(known):7.2f}  unknown "
                f"{statistics.median(unknown):7.2f}  difference {difference:6.2f} "
                f"(allowed {allowed:.2f}) {'ok' if holds else 'OUT OF BOUND'}"
            )
        return ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; with ``--check``, exit 1 when a timing pair is out of bound."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--database-url",
        help="a server database to measure on; its tables are dropped and created. SQLite "
        "in a temporary folder by default.",
    )
    parser.add_argument("--check", action="store_true", help="fail when out of bound")
    parser.add_argument("--fast", action="store_true", help="tiny argon2 parameters (smoke test)")
    args = parser.parse_args(argv)
    parameters = (
        Argon2Parameters(time_cost=1, memory_cost=1024, parallelism=1)
        if args.fast
        else Argon2Parameters()
    )
    ok = asyncio.run(measure(args.requests, parameters, args.database_url))
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
