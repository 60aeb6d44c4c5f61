"""``CacheConfig``: every option of the ``Cache`` component, validated."""

from __future__ import annotations

from typing import ClassVar, TypedDict

from schooner.contrib._config import ComponentConfig
from schooner.contrib.cache._backends import CacheBackend
from schooner.exceptions import ImproperlyConfigured

__all__ = ["CacheConfig", "CacheOptions", "check_ttl"]


class CacheConfig(ComponentConfig, frozen=True, kw_only=True):
    """Where entries live and how long they last: ``Cache(config=CacheConfig(...))``.

    Every field is also an option of ``Cache``; as a settings block it is the
    ``[schooner.cache]`` table, and ``from_env()`` reads ``CACHE_<FIELD>`` variables.

    Attributes:
        backend: ``MemoryBackend()`` (``None``, the default: per process, LRU-bounded) or
            ``RedisBackend(url)`` (shared by every instance). Set in code.
        default_ttl: seconds an entry lives when a call does not say (``None``: until
            evicted).
    """

    env_prefix: ClassVar[str] = "CACHE_"

    backend: CacheBackend | None = None
    default_ttl: float | None = 300

    def __post_init__(self) -> None:
        if self.backend is not None and not isinstance(self.backend, CacheBackend):
            raise ImproperlyConfigured(
                f"Cache: backend must be a cache backend (get, set, delete, clear), not "
                f"{type(self.backend).__name__}: use MemoryBackend() or RedisBackend(url)."
            )
        check_ttl(self.default_ttl, "Cache: default_ttl")


class CacheOptions(TypedDict, total=False):
    """The keyword options of ``Cache(...)``: the fields of :class:`CacheConfig`
    (``backend`` is its first parameter)."""

    default_ttl: float | None


def check_ttl(ttl: float | None, what: str) -> None:
    """Refuse a TTL that is not a positive number of seconds.

    Raises:
        ImproperlyConfigured: ``ttl`` is zero or negative.
    """
    if ttl is not None and ttl <= 0:
        raise ImproperlyConfigured(
            f"{what} must be a positive number of seconds (or None for the default), not {ttl}."
        )
