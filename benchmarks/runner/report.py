"""Turning results into the page: medians, ratios, markdown tables and the bar chart.

Everything here except :func:`write_chart` is pure, so the unit tests cover it without
servers. The results are the dict the runner writes to ``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.runner.spec import (
    BASELINE,
    DATABASE_TESTS,
    FRAMEWORKS,
    PEERS,
    SCHOONER,
    SCHOONER_ORM,
)

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def median(values: Iterable[float]) -> float:
    """The median of the finite values; NaN when there are none."""
    finite = [v for v in values if not math.isnan(v)]
    return statistics.median(finite) if finite else math.nan


def cell(results: dict[str, Any], framework: str, test: str) -> dict[str, Any] | None:
    """The measured cell, or ``None`` when the framework did not run that test."""
    cells = results["frameworks"].get(framework, {}).get("tests", {})
    found: dict[str, Any] | None = cells.get(test)
    return found


def rps(results: dict[str, Any], framework: str, test: str) -> float | None:
    """Median requests/s of a valid cell; ``None`` when missing or failed."""
    found = cell(results, framework, test)
    if found is None or found["status"] != "ok":
        return None
    value: float = found["rps"]
    return value


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or ``None`` when either is missing or zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def best_peer(
    results: dict[str, Any], test: str, peers: Iterable[str] = PEERS
) -> tuple[str, float] | None:
    """The fastest valid peer on ``test``: ``(key, req/s)``."""
    scores = [(key, value) for key in peers if (value := rps(results, key, test)) is not None]
    return max(scores, key=lambda pair: pair[1]) if scores else None


def fmt_ratio(value: float | None) -> str:
    """``0.87×``, or ``–`` when not available."""
    return "–" if value is None else f"{value:.2f}×"


def fmt_cell(found: dict[str, Any] | None, key: str, pattern: str) -> str:
    """A table cell: the value, ``✗ invalid``/``✗ errors``/``✗ failed``, or ``–`` (not run)."""
    if found is None:
        return "–"
    if found["status"] != "ok":
        return f"✗ {found['status']}"
    value = found.get(key)
    return "–" if value is None or math.isnan(value) else pattern.format(value)


def _table(header: list[str], rows: list[list[str]], align: str = "---:") -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|---|" + "|".join([align] * (len(header) - 1)) + "|",
    ]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _frameworks(results: dict[str, Any]) -> list[str]:
    return [key for key in FRAMEWORKS if key in results["frameworks"]]


def _tests(results: dict[str, Any]) -> list[str]:
    return list(results["settings"]["tests"])


def label(key: str) -> str:
    """The display name of a framework key."""
    return FRAMEWORKS[key].label if key in FRAMEWORKS else key


def throughput_table(
    results: dict[str, Any], key: str = "rps", pattern: str = "{:,.0f}"
) -> list[str]:
    """Tests as rows, frameworks as columns, one figure per cell."""
    frameworks = _frameworks(results)
    rows = [
        [f"`{test}`", *(fmt_cell(cell(results, fw, test), key, pattern) for fw in frameworks)]
        for test in _tests(results)
    ]
    return _table(["test", *(label(fw) for fw in frameworks)], rows)


def ratio_table(results: dict[str, Any]) -> list[str]:
    """Schooner against bare ASGI, the best peer, Flask, Django and (DB tests) FastAPI."""
    rows = []
    for test in _tests(results):
        ours = rps(results, SCHOONER, test)
        best = best_peer(results, test)
        orm = rps(results, SCHOONER_ORM, test) if test in DATABASE_TESTS else None
        rows.append(
            [
                f"`{test}`",
                fmt_ratio(ratio(ours, rps(results, BASELINE, test))),
                label(best[0]) if best else "–",
                fmt_ratio(ratio(ours, best[1] if best else None)),
                fmt_ratio(ratio(ours, rps(results, "flask", test))),
                fmt_ratio(ratio(ours, rps(results, "django", test))),
                fmt_ratio(ratio(orm, rps(results, BASELINE, test))),
                fmt_ratio(ratio(orm, rps(results, "fastapi", test))),
                fmt_ratio(ratio(orm, rps(results, "django", test))),
            ]
        )
    header = [
        "test",
        "Schooner / bare ASGI",
        "best peer",
        "Schooner / best peer",
        "Schooner / Flask",
        "Schooner / Django",
        "ORM / bare ASGI",
        "ORM / FastAPI",
        "ORM / Django",
    ]
    return _table(header, rows)


def resources_table(results: dict[str, Any]) -> list[str]:
    """Per framework: cold start, peak RSS during the rounds, RSS after N requests."""
    rows = []
    for fw in _frameworks(results):
        data = results["frameworks"][fw]
        rows.append(
            [
                label(fw),
                _number(data.get("cold_start_ms"), "{:,.0f} ms"),
                _number(data.get("peak_rss_mib"), "{:,.1f} MiB"),
                _number(data.get("rss_after_mib"), "{:,.1f} MiB"),
                FRAMEWORKS[fw].server if fw in FRAMEWORKS else "",
            ]
        )
    requests = results["settings"]["memory_requests"]
    header = ["framework", "cold start", "peak RSS", f"RSS after {requests:,} requests", "server"]
    return _table(header, rows)


def _number(value: float | None, pattern: str) -> str:
    return "–" if value is None or math.isnan(value) else pattern.format(value)


def failures(results: dict[str, Any]) -> list[str]:
    """One line per failed cell, with its first problem."""
    lines = []
    for fw in _frameworks(results):
        for test, found in results["frameworks"][fw]["tests"].items():
            if found["status"] != "ok":
                first = (found.get("problems") or ["(no detail)"])[0]
                lines.append(f"- **{label(fw)} / `{test}`** ({found['status']}): {first}")
    return lines


def render_markdown(results: dict[str, Any], chart: str | None = None) -> str:
    """The generated part of ``docs/benchmarks.md``."""
    settings = results["settings"]
    machine = results["machine"]
    versions = results["versions"]
    lines = [
        f"Run of {results['finished']} — `{results['command']}` — "
        f"{'**quick run**, ' if settings['quick'] else ''}"
        f"{settings['rounds']} round(s) of {settings['duration']} s per test after "
        f"{settings['warmup']} s of warm-up, wrk `-t1 -c{settings['connections']}`, "
        f"median of the rounds.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['os']}; "
        f"Python {versions['python']}.",
        "",
        "Versions: " + ", ".join(f"{name} {v}" for name, v in sorted(versions.items())) + ".",
        "",
        "### Requests per second",
        "",
        *throughput_table(results),
        "",
    ]
    if chart:
        lines += [f"![Requests/s relative to bare ASGI, per test]({chart})", ""]
    lines += [
        "### Ratios in the same run",
        "",
        "Schooner is the raw-SQL variant; *ORM* is Schooner through `schooner.contrib.orm`.",
        "",
        *ratio_table(results),
        "",
        "### p99 latency (ms)",
        "",
        *throughput_table(results, "p99_ms", "{:,.1f}"),
        "",
        "### Start-up and memory",
        "",
        *resources_table(results),
        "",
    ]
    failed = failures(results)
    lines += ["### Failed cells", ""] + (failed or ["None: every answer was valid."]) + [""]
    return "\n".join(lines)


def replace_region(text: str, generated: str) -> str:
    """``text`` with the part between the markers replaced by ``generated``.

    Raises:
        ValueError: the markers are missing or out of order.
    """
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the page needs the markers {START} and {END}, in that order")
    return text[: start + len(START)] + "\n" + generated.strip() + "\n" + text[end:]


def chart_series(results: dict[str, Any]) -> tuple[list[str], dict[str, list[float]]]:
    """Tests and, per framework, req/s relative to bare ASGI (0 where missing or failed)."""
    tests = _tests(results)
    series = {}
    for fw in _frameworks(results):
        if fw == BASELINE:
            continue
        series[label(fw)] = [
            ratio(rps(results, fw, t), rps(results, BASELINE, t)) or 0.0 for t in tests
        ]
    return tests, series


def write_chart(results: dict[str, Any], path: Path) -> None:
    """A grouped bar chart of req/s relative to bare ASGI (1.0 = the ceiling), as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tests, series = chart_series(results)
    width = 0.8 / max(1, len(series))
    figure, axes = plt.subplots(figsize=(11, 4.8), dpi=110)
    for index, (name, values) in enumerate(series.items()):
        positions = [t + (index - (len(series) - 1) / 2) * width for t in range(len(tests))]
        axes.bar(positions, values, width, label=name)
    axes.axhline(1.0, color="black", linewidth=0.8, linestyle="--", label="bare ASGI")
    axes.set_xticks(range(len(tests)), tests)
    axes.set_ylabel("req/s relative to bare ASGI")
    axes.set_title("Requests/s per test, relative to a bare ASGI app (same run, median)")
    axes.legend(ncol=5, fontsize=8, loc="upper right")
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
