"""``python -m schooner.cli``: the same as the ``schooner`` command."""

from __future__ import annotations

from schooner.cli import main

main(prog_name="schooner")
