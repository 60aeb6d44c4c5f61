"""Smoke test of benchmarks/admin.py, and the checks it makes of each page before measuring.

The benchmark itself never runs in CI (too slow, too noisy). Here it runs end to end on a
tiny table for a second per page: a database of its own, the batteries' migrations, the
superuser, a real sign-in, every page checked row by row, wrk, the table and the JSON, the
database dropped. Django is not in the project's virtualenv (the suite's peers live in
benchmarks/.venv), so, as in test_schooner_apps_smoke, only Schooner's side is started.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from pathlib import Path

import pytest
from benchmarks.admin_pages import PER_PAGE, PollsData, check_page, hidden_value, listed

from benchmarks import admin

HTML = {"content-type": "text/html; charset=utf-8"}


def _require(available: bool, message: str) -> None:
    if not available:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true: it must run", pytrace=False)
        pytest.skip(message)


def _postgresql() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.e2e
def test_the_admin_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Four checked pages measured, the table printed, the JSON written, the database gone."""
    _require(_postgresql(), "PostgreSQL is not available on 127.0.0.1:5432")
    _require(shutil.which("wrk") is not None, "wrk is not installed (scripts/wrk installs it)")
    output = tmp_path / "admin.json"
    argv = ["--sides", "schooner", "--rows", "1000", "--questions", "50", "--far-page", "5",
            "--duration", "1", "--warmup", "0", "--rounds", "1", "--connections", "4",
            "--output", str(output)]  # fmt: skip
    assert admin.main(argv) == 0
    out, err = capsys.readouterr()
    for label in ("page 1", "page 5", "search, page 1", "search, page 5"):
        assert f"| {label} |" in out
    assert "every page lists the expected rows" in err
    assert "matches 600 of 1,000 choices (60%)" in err
    document = json.loads(output.read_text())
    assert document["data"] == {
        "choices": 1000,
        "questions": 50,
        "search_term": "maybe",
        "matching": 600,
        "per_page": PER_PAGE,
    }
    for entry in document["results"].values():
        figures = entry["sides"]["schooner"]
        assert figures["rps"] > 0
        assert figures["non_2xx"] == 0
        assert figures["server_cpu_ms"] > 0
    name = re.search(r"database (schooner_admin_bench_\w+):", err)
    assert name is not None
    import psycopg

    with psycopg.connect(admin.SERVER) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name.group(1),))
        assert left.fetchone() is None


def _row(choice: str, question: str, votes: int, *, django: bool) -> str:
    """One row of a change list, as each admin writes it."""
    if django:
        return (
            '<tr><td class="action-checkbox"><input type="checkbox" name="_selected_action" '
            f'value="1" class="action-select"></td><th class="field-choice_text"><a href="/x">'
            f'{choice}</a></th><td class="field-question">{question}</td>'
            f'<td class="field-votes">{votes}</td></tr>'
        )
    return (
        f'<tr><th scope="row"><a href="/x">{choice}</a></th><td>{question}</td>'
        f"<td>{votes}</td></tr>"
    )


@pytest.mark.parametrize("django", [False, True])
def test_a_page_with_the_expected_rows_passes(django: bool) -> None:
    """Both admins' row markup is read back as (choice, question, votes), in order."""
    expected = PollsData(1000, 50).page("maybe", 2)
    body = "".join(_row(*row, django=django) for row in expected).encode()
    assert listed(body.decode()) == expected
    assert check_page(200, HTML, body, expected) == []


def test_a_wrong_page_is_named() -> None:
    """A redirect, a JSON answer, or rows in another order fail, with the reason."""
    expected = PollsData(1000, 50).page("", 1)
    body = "".join(_row(*row, django=False) for row in expected).encode()
    assert check_page(302, HTML, b"", expected) == ["status 302, expected 200"]
    json_answer = {"content-type": "application/json"}
    assert "content-type" in check_page(200, json_answer, body, expected)[0]
    swapped = [expected[1], expected[0], *expected[2:]]
    wrong = "".join(_row(*row, django=False) for row in swapped).encode()
    assert "row 1 is" in check_page(200, HTML, wrong, expected)[0]
    assert "0 rows listed" in check_page(200, HTML, b"<p>Sign in</p>", expected)[0]


def test_the_rows_are_the_same_every_run() -> None:
    """Six answers in ten match the search; votes are all different, most first on a page."""
    data = PollsData(1000, 50)
    assert data.matching("maybe") == 600
    assert data.matching("MAYBE") == 600
    assert len({votes for *_, votes in data.choices}) == 1000
    page = data.page("maybe", 1)
    assert len(page) == PER_PAGE
    assert [votes for *_, votes in page] == sorted((v for *_, v in page), reverse=True)
    assert all("maybe" in choice.lower() for choice, _, _ in page)
    assert PollsData(1000, 50).choices == data.choices


def test_the_far_page_must_exist() -> None:
    """A far page past the last page of the search is refused before anything runs."""
    with pytest.raises(SystemExit):
        admin.parse(["--rows", "1000", "--far-page", "500"])
    assert admin.parse(["--rows", "1000", "--far-page", "6"]).far_page == 6


def test_hidden_inputs_are_read_from_login_forms() -> None:
    """The CSRF token of either login form, whatever the attributes' order."""
    page = '<form><input type="hidden" name="csrf_token" value="a&amp;b"></form>'
    assert hidden_value(page, "csrf_token") == "a&b"
    page = '<input value="xyz" type="hidden" name="csrfmiddlewaretoken">'
    assert hidden_value(page, "csrfmiddlewaretoken") == "xyz"
    with pytest.raises(LookupError):
        hidden_value(page, "csrf_token")
