"""Fixtures of the end-to-end tests (their helpers are in _browser.py and test_serve.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from _browser import chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, closed after the test; a skip without it
    (a failure with ``CI=true``)."""
    with chromium() as launched:
        yield launched
