"""The errors of ``schooner db``: each message says what went wrong and what to do.

::

    SchoonerError
    └── MigrationError      a migration command could not do its job
        └── SeedError       a fixture file cannot be loaded (names the record)
"""

from __future__ import annotations

from schooner.exceptions import SchoonerError

__all__ = ["MigrationError", "SeedError"]


class MigrationError(SchoonerError):
    """A migration command could not do its job; the message says why and what to do."""


class SeedError(MigrationError):
    """A fixture file cannot be loaded; the message names the record and the problem."""
