"""Create the ``schooner_bench`` database with TechEmpower's ``world`` and ``fortune`` tables.

Idempotent: the database is created when missing and both tables are rebuilt, so every run
starts from the same rows (``world``: 10,000 rows of random numbers; ``fortune``: the 12
standard fortunes).
"""

from __future__ import annotations

import random

FORTUNES: list[tuple[int, str]] = [
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "フレームワークのベンチマーク"),
]
"""The 12 fortunes of the TechEmpower Framework Benchmarks, texts exactly as specified."""

WORLD_ROWS = 10_000


def admin_dsn(dsn: str) -> str:
    """The same server's ``postgres`` maintenance database, to create ``dsn``'s database in."""
    base, _, _name = dsn.rpartition("/")
    return f"{base}/postgres"


def database_name(dsn: str) -> str:
    """The database name at the end of ``dsn`` (query string removed)."""
    return dsn.rpartition("/")[2].partition("?")[0]


def create(dsn: str, *, seed: int = 1) -> None:
    """Create the database if needed and (re)fill both tables."""
    import psycopg  # only in the benchmark virtualenv

    name = database_name(dsn)
    with psycopg.connect(admin_dsn(dsn), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')  # the name is ours, not user input
    rng = random.Random(seed)
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS world, fortune")
        conn.execute(
            "CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL DEFAULT 0)"
        )
        conn.execute(
            "CREATE TABLE fortune (id integer PRIMARY KEY, message varchar(2048) NOT NULL)"
        )
        with conn.cursor() as cursor:
            with cursor.copy("COPY world (id, randomnumber) FROM STDIN") as copy:
                for world_id in range(1, WORLD_ROWS + 1):
                    copy.write_row((world_id, rng.randint(1, WORLD_ROWS)))
            cursor.executemany("INSERT INTO fortune (id, message) VALUES (%s, %s)", FORTUNES)
        conn.execute("ANALYZE world")
        conn.execute("ANALYZE fortune")


def fetch_numbers(dsn: str, ids: list[int]) -> dict[int, int]:
    """``id → randomnumber`` for ``ids``, to check that ``updates`` wrote its answer back."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT id, randomnumber FROM world WHERE id = ANY(%s)", (ids,)
        ).fetchall()
    return {int(world_id): int(number) for world_id, number in rows}
