"""``python -m benchmarks.runner``: see :mod:`benchmarks.runner.cli`."""

from __future__ import annotations

from benchmarks.runner.cli import main

main()
