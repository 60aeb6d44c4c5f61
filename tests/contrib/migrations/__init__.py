"""Tests for schooner.contrib.migrations."""
