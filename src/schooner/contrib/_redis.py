"""The Redis client the batteries that keep state in Redis create from a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schooner.exceptions import MissingDependency

if TYPE_CHECKING:
    from redis.asyncio import Redis

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def redis_from_url(url: str | None) -> Redis:
    """An asyncio Redis client for ``url`` (the local server by default).

    Raises:
        MissingDependency: the ``redis`` extra is not installed.
    """
    try:
        from redis.asyncio import Redis
    except ImportError:  # pragma: no cover - exercised without the extra
        raise MissingDependency("redis", "redis") from None
    return Redis.from_url(url or DEFAULT_URL)
