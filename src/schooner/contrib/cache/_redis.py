"""A cache kept in Redis, shared by every instance of the app."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from schooner.contrib._redis import redis_from_url
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisBackend"]

_GLOB = re.compile(r"([*?\[\]\\])")


class RedisBackend:
    """Keep cache entries in Redis, under a key prefix, with Redis's own expiry.

    Values arrive already serialised (msgpack, never pickle), so a cache shared with other
    programs cannot be used to run code in this one. :meth:`clear` deletes only keys with
    this backend's prefix.

    Args:
        url: a Redis URL (``redis://127.0.0.1:6379/0``); or pass ``client``.
        client: an existing ``redis.asyncio.Redis`` client (you close it yourself).
        prefix: prepended to every key; give each app (and each test) its own.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Redis | None = None,
        prefix: str = "schooner:cache:",
    ) -> None:
        self._owned = client is None
        if client is None:
            client = redis_from_url(url)
        self.client = client
        self.prefix = prefix

    async def get(self, key: str) -> bytes | None:
        """The stored bytes, or ``None`` (Redis has already dropped expired keys)."""
        value = await self.client.get(self.prefix + key)
        if isinstance(value, str):
            raise ImproperlyConfigured(
                "The cache's Redis client decodes responses to text; entries are bytes. "
                "Create it with decode_responses=False (the default)."
            )
        return value

    async def set(self, key: str, value: bytes, ttl: float | None) -> None:
        """``SET`` with a millisecond expiry (``PX``), or none for ``ttl=None``."""
        expiry = None if ttl is None else max(1, round(ttl * 1000))
        await self.client.set(self.prefix + key, value, px=expiry)

    async def delete(self, key: str) -> bool:
        """``DEL`` the key; ``True`` if it existed."""
        return bool(await self.client.delete(self.prefix + key))

    async def clear(self) -> None:
        """Delete every key under the prefix (``SCAN``, in batches; never ``FLUSHDB``)."""
        pattern = _GLOB.sub(r"\\\1", self.prefix) + "*"
        batch: list[bytes] = []
        async for key in self.client.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                await self.client.delete(*batch)
                batch.clear()
        if batch:
            await self.client.delete(*batch)

    async def aclose(self) -> None:
        """Close the client's connections, if this backend created the client."""
        if self._owned:
            await self.client.aclose()
