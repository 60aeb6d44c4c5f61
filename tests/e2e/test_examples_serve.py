"""End-to-end: examples/todo under ``schooner serve`` with production environment variables.

The in-process version for every example is ``tests/examples/test_examples_production.py``;
this one checks that a real server process reads the same variables: it answers only its
allowed host names (so pagination links cannot be pointed at another host) and does not
start at all with a weak secret key or with debug on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_serve import ROOT, request, server_env, serving

pytestmark = pytest.mark.e2e

TODO = "examples/todo/app.py"
GOOD_KEY = "Vq3xZ8pL2mN7rT1wY6bK4cH9dJ5fG0sA-e_uQiOoPlMnBv"


def production(database: Path, **values: str) -> dict[str, str]:
    """The variables a deployment sets, with ``values`` changed.

    127.0.0.1 is allowed too: the helper probes the server by its address, as a load
    balancer's health check would.
    """
    variables = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SCHOONER_ENVIRONMENT": "production",
        "SCHOONER_SECRET_KEY": GOOD_KEY,
        "SCHOONER_ALLOWED_HOSTS": "todo.example.com,127.0.0.1",
    }
    return server_env(**{**variables, **values})


def migrate(env: dict[str, str]) -> None:
    """Create the example's schema with ``schooner db migrate`` in its folder."""
    result = subprocess.run(
        [sys.executable, "-m", "schooner.cli", "db", "migrate"],
        cwd=ROOT / "examples" / "todo",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_server_answers_only_its_hosts(tmp_path: Path) -> None:
    """Allowed host: 201/200 with links on that host; any other Host header: 400 problem."""
    env = production(tmp_path / "todo.db")
    migrate(env)
    with serving(tmp_path / "server.log", env, app=TODO, probe="/openapi.json") as server:
        site = {"Host": "todo.example.com", "Content-Type": "application/json"}
        for title in (b"Rope", b"Sails"):
            body = b'{"title":"%s"}' % title
            created = request(server, "POST", "/lists", body=body, headers=site)
            assert created.status == 201, created.body
        page = request(server, "GET", "/lists?limit=1", headers=site)
        assert page.status == 200, page.body
        assert page.json()["links"]["next"].startswith("http://todo.example.com/lists?")
        for host in ("evil.com", "todo.example.com.evil.com"):
            refused = request(server, "GET", "/lists?limit=1", headers={"Host": host})
            assert refused.status == 400, refused.body
            assert refused.headers["content-type"] == "application/problem+json"
            assert "is not served here" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SCHOONER_SECRET_KEY": "changeme"}, "Production needs a strong secret key"),
        ({"SCHOONER_DEBUG": "true"}, "Debug mode is on in production"),
    ],
    ids=["changeme", "debug"],
)
def test_production_server_refuses_unsafe_settings(
    values: dict[str, str], message: str, tmp_path: Path
) -> None:
    """With a default secret or debug on, ``schooner serve`` exits non-zero and says why."""
    command = [sys.executable, "-m", "schooner.cli", "serve", TODO, "--port", "0"]
    result = subprocess.run(
        [*command, "--workers", "1"],
        cwd=ROOT,
        env=production(tmp_path / "todo.db", **values),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
