"""Tests for path template compilation and converters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from schooner.exceptions import ImproperlyConfigured
from schooner.routing._path import compile_path
from schooner.routing.converters import DEFAULT_CONVERTERS


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/", "/", {}),
        ("/users", "/users", {}),
        ("/users", "/users/", None),
        ("/users/{name}", "/users/ada", {"name": "ada"}),
        ("/users/{name}", "/users/", None),
        ("/users/{name}", "/users/a/b", None),
        ("/users/{uid:int}", "/users/42", {"uid": 42}),
        ("/users/{uid:int}", "/users/-1", None),
        ("/users/{uid:int}", "/users/4x", None),
        ("/price/{p:float}", "/price/3.5", {"p": 3.5}),
        ("/price/{p:float}", "/price/7", {"p": 7.0}),
        ("/price/{p:float}", "/price/1e5", None),
        ("/posts/{s:slug}", "/posts/hello-world_2", {"s": "hello-world_2"}),
        ("/posts/{s:slug}", "/posts/héllo", None),
        ("/files/{rest:path}", "/files/a/b/c.txt", {"rest": "a/b/c.txt"}),
        ("/files/{rest:path}", "/files/", None),
        (
            "/o/{id:uuid}",
            "/o/6F1C2F4E-8A1C-4E4B-9E0A-0F0E0D0C0B0A",
            {"id": uuid.UUID("6f1c2f4e-8a1c-4e4b-9e0a-0f0e0d0c0b0a")},
        ),
        ("/o/{id:uuid}", "/o/not-a-uuid", None),
        ("/a/{x}-{y:int}", "/a/foo-12", {"x": "foo", "y": 12}),
    ],
)
def test_match_table(template: str, path: str, expected: dict[str, Any] | None) -> None:
    """Each template matches exactly the paths its converters accept, with converted values."""
    assert compile_path(template, DEFAULT_CONVERTERS).match(path) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("users", "must start with '/'"),
        ("/u/{x:nope}", "Unknown path converter 'nope'"),
        ("/u/{x}/{x}", "appears twice"),
        ("/u/{p:path}/edit", "must be last"),
    ],
)
def test_invalid_templates(template: str, message: str) -> None:
    """Malformed templates are startup errors with a message saying what is wrong."""
    with pytest.raises(ImproperlyConfigured, match=message):
        compile_path(template, DEFAULT_CONVERTERS)


def test_signature_erases_names() -> None:
    """Two templates differing only in parameter names share a signature (they shadow)."""
    a = compile_path("/u/{a:int}", DEFAULT_CONVERTERS)
    b = compile_path("/u/{b:int}", DEFAULT_CONVERTERS)
    c = compile_path("/u/{b}", DEFAULT_CONVERTERS)
    assert a.signature == b.signature
    assert a.signature != c.signature


def test_sort_key_prefers_static_and_narrow() -> None:
    """Static segments sort before int, int before str, str before path."""
    keys = [
        compile_path(t, DEFAULT_CONVERTERS).sort_key
        for t in ("/u/me", "/u/{i:int}", "/u/{s}", "/u/{p:path}")
    ]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        ("/users/{name}", {"name": "a b?#%"}, "/users/a%20b%3F%23%25"),
        ("/users/{name}", {"name": "café"}, "/users/caf%C3%A9"),
        ("/files/{p:path}", {"p": "a b/c.txt"}, "/files/a%20b/c.txt"),
        ("/n/{i:int}", {"i": 7}, "/n/7"),
        ("/f/{x:float}", {"x": 2.5}, "/f/2.5"),
        (
            "/o/{id:uuid}",
            {"id": "6F1C2F4E-8A1C-4E4B-9E0A-0F0E0D0C0B0A"},
            "/o/6f1c2f4e-8a1c-4e4b-9e0a-0f0e0d0c0b0a",
        ),
        ("/s/{s:slug}", {"s": "a-b"}, "/s/a-b"),
    ],
)
def test_build_percent_encodes(template: str, params: dict[str, Any], expected: str) -> None:
    """Building a URL percent-encodes each value; only ``path`` keeps its slashes."""
    assert compile_path(template, DEFAULT_CONVERTERS).build(params) == expected


@pytest.mark.parametrize(
    ("template", "params", "message"),
    [
        ("/u/{a}", {}, "Missing"),
        ("/u/{a}", {"a": "x", "b": 1}, "Unknown"),
        ("/u/{a}", {"a": ""}, "cannot be empty"),
        ("/u/{a}", {"a": "x/y"}, "cannot be empty or contain"),
        ("/u/{a:int}", {"a": -3}, "must not be negative"),
        ("/u/{a:float}", {"a": float("inf")}, "finite"),
        ("/u/{a:slug}", {"a": "no spaces"}, "Not a slug"),
    ],
)
def test_build_rejects_bad_values(template: str, params: dict[str, Any], message: str) -> None:
    """Values a converter could never match are refused when building."""
    with pytest.raises(ValueError, match=message):
        compile_path(template, DEFAULT_CONVERTERS).build(params)
