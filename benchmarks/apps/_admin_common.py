"""What both admin benchmark apps share: the database, the polls tables and the superuser.

``benchmarks/admin.py`` creates a database of its own for each run, fills the polls tables
and passes its address in ``BENCH_ADMIN_DATABASE_URL``; each app maps the same two tables
and keeps its own account tables (Schooner's in the ``public`` schema, Django's in the
``django`` schema, as both name theirs ``auth_user``, ``auth_group``…).
"""

from __future__ import annotations

import os
import secrets

DSN = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/schooner_admin_bench"
)
"""The run's database (created and dropped by ``benchmarks/admin.py``)."""

SECRET_KEY = os.environ.get("BENCH_ADMIN_SECRET_KEY") or secrets.token_urlsafe(48)
"""The key sessions are signed with: one for every worker process (gunicorn runs several),
so the benchmark passes one in ``BENCH_ADMIN_SECRET_KEY``."""

DJANGO_SCHEMA = "django"
"""Where Django's own tables live: first on its ``search_path``, before ``public``."""

POOL_SIZE = 32
"""Connections of the async app's pool (as every async app of the suite)."""

QUESTION_TABLE = "polls_question"
CHOICE_TABLE = "polls_choice"

SUPERUSER_EMAIL = "admin@bench.example"
SUPERUSER_USERNAME = "admin"
SUPERUSER_PASSWORD = "a benchmark passphrase, 2026"
