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


def _contract(name_start: str) -> dict[str, object]:
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["name"].startswith(name_start):
            return dict(contract)
    raise AssertionError(f"No import-linter contract named {name_start!r}...")


def test_the_public_names_contract_lists_every_private_core_module() -> None:
    """Each private core module (and no other) is forbidden to batteries in pyproject.toml."""
    from pathlib import Path

    import schooner

    root = Path(schooner.__file__).parent
    private: set[str] = set()
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if "contrib" in parts:
            continue
        for index, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__"):
                private.add(".".join(parts[: index + 1]))
                break
    contract = _contract("Batteries use core's public names only")
    assert set(contract["forbidden_modules"]) == private  # type: ignore[arg-type]


def test_the_core_contract_lists_every_core_package() -> None:
    """'Core never imports a battery' covers every top-level module except contrib."""
    from pathlib import Path

    import schooner

    root = Path(schooner.__file__).parent
    top = {
        f"schooner.{p.stem if p.suffix else p.name}"
        for p in root.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    contract = _contract("Core never imports a battery")
    assert set(contract["source_modules"]) == top - {"schooner.contrib"}  # type: ignore[arg-type]
