"""Rendering of benchmark results: medians, ratios, tables, the marked region, the chart data."""

from __future__ import annotations

import math
from typing import Any

import pytest
from benchmarks.runner import report


def results() -> dict[str, Any]:
    """A small run: plaintext for four frameworks, db with one invalid cell."""

    def ok(rps: float, p99: float = 2.0) -> dict[str, Any]:
        return {"status": "ok", "rps": rps, "p99_ms": p99, "rounds": []}

    invalid = {"status": "invalid", "problems": ["GET /db: status 500, expected 200"]}
    return {
        "command": "scripts/bench --quick",
        "finished": "2026-12-01 00:00 UTC",
        "settings": {
            "quick": True,
            "rounds": 2,
            "duration": 2.0,
            "warmup": 1.0,
            "connections": 64,
            "memory_requests": 5000,
            "tests": ["plaintext", "db"],
        },
        "machine": {"cpu": "Test CPU", "cores": 2, "os": "Debian"},
        "versions": {"python": "3.11.7", "schooner": "0.1.0"},
        "frameworks": {
            "bare": {"tests": {"plaintext": ok(50_000), "db": ok(10_000)}, "cold_start_ms": 300.0},
            "schooner": {
                "tests": {"plaintext": ok(45_000, 3.5), "db": invalid},
                "cold_start_ms": 400.0,
                "peak_rss_mib": 40.0,
                "rss_after_mib": None,
            },
            "blacksheep": {"tests": {"plaintext": ok(43_000), "db": ok(9_000)}},
            "starlette": {"tests": {"plaintext": ok(30_000), "db": ok(8_000)}},
            "flask": {"tests": {"plaintext": ok(5_000)}},
        },
    }


def test_median_ignores_nan() -> None:
    """NaN rounds (no latency figure) do not move the median; all-NaN stays NaN."""
    assert report.median([3.0, math.nan, 1.0, 2.0]) == 2.0
    assert math.isnan(report.median([math.nan]))


def test_ratio_and_best_peer() -> None:
    """Ratios need both numbers; the best peer is the fastest valid one."""
    data = results()
    assert report.ratio(45_000, 50_000) == pytest.approx(0.9)
    assert report.ratio(None, 50_000) is None
    assert report.ratio(1.0, 0.0) is None
    assert report.best_peer(data, "plaintext") == ("blacksheep", 43_000)
    assert report.best_peer(data, "db") == ("blacksheep", 9_000)
    assert report.best_peer(data, "updates") is None


def test_failed_cells_have_no_rps() -> None:
    """An invalid cell is never used in a ratio."""
    assert report.rps(results(), "schooner", "db") is None
    assert report.rps(results(), "flask", "db") is None  # not run


def test_throughput_table_shows_values_failures_and_gaps() -> None:
    """Numbers with separators, `✗ invalid` for a failed cell, `–` for a test not run."""
    lines = report.throughput_table(results())
    assert lines[0] == "| test | bare ASGI | Schooner | Starlette | BlackSheep | Flask |"
    assert lines[2] == "| `plaintext` | 50,000 | 45,000 | 30,000 | 43,000 | 5,000 |"
    assert lines[3] == "| `db` | 10,000 | ✗ invalid | 8,000 | 9,000 | – |"


def test_ratio_table_compares_schooner_in_the_same_run() -> None:
    """Schooner / bare ASGI, the best peer by name, and the Flask ratio."""
    row = report.ratio_table(results())[2]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:5] == ["`plaintext`", "0.90×", "BlackSheep", "1.05×", "9.00×"]
    assert cells[5] == "–"  # no Django in this run


def test_render_markdown_lists_failures_and_settings() -> None:
    """The page states the command, the settings, the versions and every failed cell."""
    text = report.render_markdown(results(), chart="img/benchmarks.png")
    assert "`scripts/bench --quick`" in text
    assert "**quick run**" in text
    assert "wrk `-t1 -c64`" in text
    assert "![Requests/s relative to bare ASGI, per test](img/benchmarks.png)" in text
    assert "- **Schooner / `db`** (invalid): GET /db: status 500, expected 200" in text
    assert "| Schooner | 400 ms | 40.0 MiB | – | uvicorn |" in text
    assert "RSS after 5,000 requests" in text


def test_replace_region_keeps_the_rest_of_the_page() -> None:
    """Only the text between the markers changes; rerunning replaces it again."""
    page = f"# Title\n\nintro\n{report.START}\nold\n{report.END}\n\nafter\n"
    once = report.replace_region(page, "new table")
    assert once == f"# Title\n\nintro\n{report.START}\nnew table\n{report.END}\n\nafter\n"
    assert report.replace_region(once, "newer").count("newer") == 1
    assert "new table" not in report.replace_region(once, "newer")


def test_replace_region_requires_markers() -> None:
    """A page without the markers is an error, not silently left alone."""
    with pytest.raises(ValueError, match="markers"):
        report.replace_region("# no markers\n", "x")
    with pytest.raises(ValueError, match="markers"):
        report.replace_region(f"{report.END}\n{report.START}\n", "x")


def test_chart_series_is_relative_to_bare_asgi() -> None:
    """One series per framework except the baseline; failed or missing cells are 0."""
    tests, series = report.chart_series(results())
    assert tests == ["plaintext", "db"]
    assert "bare ASGI" not in series
    assert series["Schooner"] == [pytest.approx(0.9), 0.0]
    assert series["Flask"] == [pytest.approx(0.1), 0.0]
