"""Tests of the admin battery."""
