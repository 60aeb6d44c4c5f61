"""Caching: values, function results and whole GET responses, in memory or in Redis.

::

    from schooner.contrib.cache import Cache, RedisBackend, cache_response

    cache = Cache()                                   # in memory; Cache(RedisBackend(url))
    app = App(components=[cache])

    @cache.cached(ttl=60)
    async def exchange_rate(currency: str) -> float: ...

    @app.get("/prices")
    async def prices(cache: Cache) -> dict[str, float]:
        return await cache.get_or_set("prices", load_prices, ttl=30)

    @app.get("/about", meta=[cache_response(ttl=300)])
    async def about() -> HTMLResponse: ...

Handlers receive the cache as a typed parameter (``cache: Cache``); the decorator for
function results comes from the same object, so nothing is global. Values are stored as
msgpack (never pickle). Response caching honours ``Cache-Control`` and ``Vary``, never
stores a response that sets a cookie, and marks answers with ``X-Cache: hit|miss`` and
``Age``. Options are the fields of :class:`CacheConfig`; the battery raises no exceptions of
its own (a value that cannot be stored is a ``TypeError``); :mod:`schooner.contrib.cache.testing`
gives a test an empty cache and a clock. ``RedisBackend`` needs the ``redis`` extra.
"""

from __future__ import annotations

from schooner.contrib.cache._backends import CacheBackend, MemoryBackend
from schooner.contrib.cache._component import Cache, CachedDecorator
from schooner.contrib.cache._config import CacheConfig
from schooner.contrib.cache._middleware import ResponseCacheMiddleware
from schooner.contrib.cache._redis import RedisBackend
from schooner.contrib.cache._routes import CacheResponse, cache_response

__all__ = [
    "Cache",
    "CacheBackend",
    "CacheConfig",
    "CacheResponse",
    "CachedDecorator",
    "MemoryBackend",
    "RedisBackend",
    "ResponseCacheMiddleware",
    "cache_response",
]
