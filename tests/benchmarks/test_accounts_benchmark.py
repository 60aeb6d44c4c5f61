"""Smoke test of benchmarks/accounts.py: the script runs end to end (tiny argon2 parameters,
a few requests) and prints its figures. The timing bound is checked by running the
benchmark itself, never here."""

from __future__ import annotations

import pytest

from benchmarks import accounts


def test_the_accounts_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """Every figure is printed: login rate and the three known-vs-unknown pairs."""
    assert accounts.main(["--requests", "3", "--fast"]) == 0
    out = capsys.readouterr().out
    assert "login, one at a time" in out
    for pair in ("failed sign-in", "registration", "reset request"):
        assert pair in out


def test_the_bound_is_the_stated_one() -> None:
    """Two medians differ within the bound only by the documented share or milliseconds."""
    assert accounts.within_bound([100.0], [109.0])[2]
    assert not accounts.within_bound([100.0], [112.0])[2]
    assert accounts.within_bound([5.0], [7.5])[2]
