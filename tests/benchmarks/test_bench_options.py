"""Command-line parsing of scripts/bench and the commands and parsers of the runner."""

from __future__ import annotations

import pytest
from benchmarks.runner.measure import parse_wrk, status_kib
from benchmarks.runner.options import FULL, QUICK, parse
from benchmarks.runner.spec import FRAMEWORKS, TEST_NAMES, bench_tests


def test_defaults_are_the_full_run() -> None:
    """No flags: every framework and test, 3 rounds of 10 s, 100,000 requests for memory."""
    options = parse([])
    assert options.frameworks == tuple(FRAMEWORKS)
    assert options.tests == TEST_NAMES
    assert (options.duration, options.rounds) == (FULL["duration"], FULL["rounds"])
    assert options.memory_requests == 100_000
    assert options.update_docs


def test_quick_shortens_and_flags_override() -> None:
    """`--quick` picks short defaults; explicit flags win over them."""
    options = parse(["--quick"])
    assert (options.duration, options.rounds, options.memory_requests) == (
        QUICK["duration"],
        QUICK["rounds"],
        QUICK["memory_requests"],
    )
    options = parse(["--quick", "--rounds", "5", "--duration", "1.5", "--no-docs"])
    assert (options.rounds, options.duration, options.update_docs) == (5, 1.5, False)


def test_subsets_keep_report_order() -> None:
    """`--frameworks`/`--tests` select by name, in report order, without duplicates."""
    options = parse(["--frameworks", "django,bare,schooner,bare", "--tests", "json,plaintext"])
    assert options.frameworks == ("bare", "schooner", "django")
    assert options.tests == ("plaintext", "json")


@pytest.mark.parametrize(
    "argv",
    [["--frameworks", "tornado"], ["--tests", "graphql"], ["--tests", ","], ["--rounds", "0"]],
)
def test_bad_arguments_exit_with_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown names and non-positive numbers are usage errors that list the choices."""
    with pytest.raises(SystemExit) as exit_info:
        parse(argv)
    assert exit_info.value.code == 2
    assert "scripts/bench" in capsys.readouterr().err


def test_server_commands_bind_localhost() -> None:
    """uvicorn apps use uvloop/httptools; gunicorn apps gthread workers; all on 127.0.0.1."""
    uvicorn = FRAMEWORKS["schooner"].command(8123)
    assert uvicorn[:3] == ["-m", "uvicorn", "schooner_raw:app"]
    assert uvicorn[5:9] == ["--host", "127.0.0.1", "--port", "8123"]
    assert "uvloop" in uvicorn
    assert "httptools" in uvicorn
    gunicorn = FRAMEWORKS["django"].command(8124)
    assert gunicorn[:3] == ["-m", "gunicorn", "djangobench.wsgi"]
    assert "127.0.0.1:8124" in gunicorn
    assert "gthread" in gunicorn


def test_every_framework_runs_known_tests() -> None:
    """The ORM variant runs only the database tests; the others run all of them."""
    assert FRAMEWORKS["schooner-orm"].tests == ("db", "queries", "fortunes", "updates")
    tests = bench_tests()
    assert all(set(fw.tests) <= set(tests) for fw in FRAMEWORKS.values())
    assert tests["api"].script == "api.lua"
    assert tests["upload"].script == "upload.lua"
    assert tests["queries"].path == "/queries?queries=20"


WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8000/json
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  300.00us   9.00ms   90.00%
  Latency Distribution
     50%    1.10ms
     75%    1.30ms
     90%    1.50ms
     99%  {p99}
  98765 requests in 2.00s, 12.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  49382.50
Transfer/sec:      6.00MB
"""


@pytest.mark.parametrize(("p99", "ms"), [("850.00us", 0.85), ("2.50ms", 2.5), ("1.20s", 1200.0)])
def test_parse_wrk(p99: str, ms: float) -> None:
    """Requests/s, the median and p99 in ms whatever the unit, and the error counts."""
    result = parse_wrk(WRK_OUTPUT.format(p99=p99))
    assert result.rps == 49382.5
    assert result.p99_ms == pytest.approx(ms)
    assert result.p50_ms == pytest.approx(1.1)
    assert (result.requests, result.non_2xx, result.socket_errors) == (98765, 7, 6)


def test_parse_wrk_without_figures_is_an_error() -> None:
    """Output without Requests/sec (wrk failed) is not a zero."""
    with pytest.raises(ValueError, match="Requests/sec"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_status_kib_reads_proc_fields() -> None:
    """`VmRSS`/`VmHWM` lines of /proc/<pid>/status, 0 when absent."""
    text = "Name:\tpython\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\n"
    assert status_kib(text, "VmHWM") == 51200
    assert status_kib(text, "VmRSS") == 40960
    assert status_kib(text, "VmSwap") == 0
