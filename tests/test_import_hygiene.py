"""Importing schooner must stay cheap and free of side effects."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ["sqlalchemy", "alembic", "jinja2", "redis", "httpx", "uvicorn", "a2wsgi", "pydantic"]


def test_import_pulls_in_no_optional_dependency() -> None:
    """``import schooner`` loads no ORM, template engine, client, server or pydantic."""
    code = "import json, sys, schooner; print(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    loaded = {name.split(".")[0] for name in json.loads(output)}
    assert not loaded & set(FORBIDDEN), loaded & set(FORBIDDEN)


def test_import_reads_no_environment() -> None:
    """Importing schooner and building an App reads no SCHOONER_* variable."""
    code = (
        "import os\n"
        "class Env(dict):\n"
        "    def __getitem__(self, k):\n"
        "        if k.startswith('SCHOONER'): raise SystemExit('read ' + k)\n"
        "        return super().__getitem__(k)\n"
        "    def get(self, k, d=None):\n"
        "        if k.startswith('SCHOONER'): raise SystemExit('read ' + k)\n"
        "        return super().get(k, d)\n"
        "os.environ = Env(os.environ)\n"
        "import schooner\n"
        "schooner.App().build()\n"
        "print('clean')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"SCHOONER_DEBUG": "true", "PATH": ""},
        check=False,
    )
    assert result.stdout.strip() == "clean", result.stderr
