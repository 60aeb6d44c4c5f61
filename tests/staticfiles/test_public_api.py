"""Keeps ``schooner.staticfiles.__all__`` honest and documented."""

from __future__ import annotations

import inspect

import schooner.staticfiles


def test_all_is_sorted_documented_and_resolves() -> None:
    """Every exported name exists once, in sorted order, and has a docstring."""
    exported = list(schooner.staticfiles.__all__)
    assert exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    assert schooner.staticfiles.__doc__
    for name in exported:
        obj = getattr(schooner.staticfiles, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, name
