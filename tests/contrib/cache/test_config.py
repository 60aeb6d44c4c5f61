"""CacheConfig: the backend and default TTL, as keywords, a config or settings."""

from __future__ import annotations

from typing import Any

import pytest

from schooner.contrib.cache import Cache, CacheConfig, MemoryBackend, RedisBackend
from schooner.exceptions import ImproperlyConfigured


def test_an_empty_memory_backend_given_is_the_one_used() -> None:
    """An empty MemoryBackend (falsy, it has a length) is kept, not replaced by a default."""
    backend = MemoryBackend(max_entries=5)
    assert len(backend) == 0
    assert Cache(backend).backend is backend
    assert Cache(config=CacheConfig(backend=backend)).backend is backend


def test_keywords_and_config_agree_and_keywords_win() -> None:
    """Cache(default_ttl=...) equals the config form; a keyword beats config=."""
    assert Cache(default_ttl=30).config == Cache(config=CacheConfig(default_ttl=30)).config
    cache = Cache(config=CacheConfig(default_ttl=30), default_ttl=None)
    assert cache.default_ttl is None


def test_the_redis_backend_comes_from_the_first_parameter() -> None:
    """Cache(RedisBackend(url)) puts the backend in the config."""
    backend = RedisBackend("redis://127.0.0.1:6379/10")
    cache = Cache(backend)
    assert cache.backend is backend
    assert cache.config.backend is backend


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"default_ttl": 0}, "default_ttl must be a positive number of seconds"),
        ({"default_ttl": -5}, "not -5"),
        ({"backend": "redis://localhost"}, "must be a cache backend"),
        ({"ttl": 5}, "has no option ttl; its options are the fields of CacheConfig"),
    ],
)
def test_bad_options_say_how_to_fix_them(options: dict[str, Any], message: str) -> None:
    """Invalid options are ImproperlyConfigured errors that say what to write."""
    with pytest.raises(ImproperlyConfigured, match=message):
        Cache(**options)


def test_from_env_reads_the_default_ttl() -> None:
    """CACHE_DEFAULT_TTL sets it; an empty value means no expiry."""
    assert CacheConfig.from_env(environ={"CACHE_DEFAULT_TTL": "60"}).default_ttl == 60
    assert CacheConfig.from_env(environ={"CACHE_DEFAULT_TTL": ""}).default_ttl is None
