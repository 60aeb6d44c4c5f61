"""Tests of the database battery, run on SQLite, PostgreSQL and MariaDB."""
