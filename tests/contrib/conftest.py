"""Fixtures shared by the batteries' tests."""

from __future__ import annotations

import os
import socket

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    """The test Redis (db 15); unreachable is a skip locally and a failure with CI=true."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError as exc:
        message = f"Redis is not available at 127.0.0.1:6379: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true: the Redis suite must run)", pytrace=False)
        pytest.skip(message)
    return REDIS_URL
