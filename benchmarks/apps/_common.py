"""What every benchmark app shares: the database address, the test rules, the extra fortune.

Only constants and two pure functions live here, so that each app stays written the way its
framework's documentation recommends; the runner imports the same values to validate answers.
"""

from __future__ import annotations

import os
import random

DSN = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/schooner_bench")
"""The PostgreSQL database ``scripts/bench`` creates (``world`` and ``fortune`` tables)."""

POOL_SIZE = 32
"""Connections per server process (every async app uses the same size)."""

WORLD_ROWS = 10_000
EXTRA_FORTUNE = "Additional fortune added at request time."
HELLO = "Hello, World!"
PAYLOAD_SIZE = 256 * 400
"""Size of the uploaded file: ``bytes(range(256)) * 400`` (100 KiB), as ``upload.lua`` sends."""


def query_count(raw: str | None) -> int:
    """The ``queries`` parameter as TechEmpower defines it: an integer clamped to 1..500.

    Missing or non-integer values count as 1.
    """
    try:
        value = int(raw) if raw is not None else 1
    except ValueError:
        return 1
    return min(max(value, 1), 500)


def random_id() -> int:
    """A random ``world`` id, 1..10,000."""
    return random.randint(1, WORLD_ROWS)


def random_ids(count: int) -> list[int]:
    """``count`` distinct random ids in ascending order.

    Distinct and sorted so that concurrent ``updates`` requests lock rows in the same order
    and never deadlock.
    """
    return sorted(random.sample(range(1, WORLD_ROWS + 1), count))
