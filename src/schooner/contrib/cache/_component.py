"""The ``Cache`` component: a typed cache API, a function-result decorator and a lock per key."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar, Unpack, overload

import msgspec

from schooner.concurrency import run_sync
from schooner.contrib.cache._backends import CacheBackend, MemoryBackend
from schooner.contrib.cache._config import CacheConfig, CacheOptions, check_ttl
from schooner.contrib.cache._middleware import ResponseCacheMiddleware
from schooner.contrib.cache._routes import CachePlan
from schooner.middleware import Middleware

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["Cache", "CachedDecorator"]

P = ParamSpec("P")
T = TypeVar("T")

VALUE_PREFIX = "v:"
"""Backend keys of values set through the API (responses use another prefix)."""

KeyFunction = Callable[..., str]


class CachedDecorator(Protocol):
    """What :meth:`Cache.cached` returns: it makes any function an async, cached one."""

    @overload
    def __call__(self, func: Callable[P, Awaitable[T]], /) -> Callable[P, Awaitable[T]]: ...

    @overload
    def __call__(self, func: Callable[P, T], /) -> Callable[P, Awaitable[T]]: ...


class _KeyLocks:
    """One ``asyncio.Lock`` per key, created on demand and dropped when nobody holds it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]


class Cache:
    """A cache as a component: ``App(components=[cache])``, then ``cache: Cache`` anywhere.

    The same object is the component, the value injected into handlers that ask for
    ``Cache``, and the source of the :meth:`cached` decorator, so nothing is global.
    Values are serialised with msgpack (msgspec): anything JSON-like, plus ``bytes``,
    datetimes, ``msgspec.Struct``s and dataclasses. Pass ``type=`` to :meth:`get` to turn
    what comes back into your type again.

    Args:
        backend: :class:`MemoryBackend` (default: per process, LRU-bounded) or
            :class:`RedisBackend` (shared by every instance).
        config: every option at once, e.g. a block of the project's settings.
        **options: fields of :class:`CacheConfig` (``default_ttl``), which win over
            ``config``.

    Raises:
        ImproperlyConfigured: an option is unknown or invalid.
    """

    name = "cache"

    def __init__(
        self,
        backend: CacheBackend | None = None,
        *,
        config: CacheConfig | None = None,
        **options: Unpack[CacheOptions],
    ) -> None:
        values: dict[str, object] = dict(options)
        if backend is not None:
            values["backend"] = backend
        self.config = CacheConfig.build(config, values, owner="Cache")
        configured = self.config.backend
        # Not `or`: an empty MemoryBackend is falsy (it has a length).
        self.backend: CacheBackend = configured if configured is not None else MemoryBackend()
        self._locks = _KeyLocks()

    @property
    def default_ttl(self) -> float | None:
        """Seconds an entry lives when a call does not say (``None``: until evicted)."""
        return self.config.default_ttl

    def setup(self, app: App) -> None:
        """Provide ``Cache`` to handlers and add the response-caching middleware.

        The middleware goes outside the session middleware when sessions are already set
        up, so that it sees the ``Set-Cookie`` and ``Vary: Cookie`` they add.
        """
        app.provide(Cache, self._provide, scope="app")
        plan = CachePlan()
        app.on_build(plan.build)
        middleware = Middleware(
            ResponseCacheMiddleware, cache=self, plan=plan, name="ResponseCacheMiddleware"
        )
        if app.has_middleware("SessionMiddleware"):
            app.add_middleware(middleware, before="SessionMiddleware")
        else:
            app.add_middleware(middleware)
        closer = getattr(self.backend, "aclose", None)
        if closer is not None:
            app.on_shutdown(closer)

    # -- values ---------------------------------------------------------------------------------

    async def get(self, key: str, default: Any = None, *, type: Any = Any) -> Any:
        """The value stored under ``key``, or ``default`` if it is missing or expired.

        Args:
            key: the entry's key.
            default: returned on a miss.
            type: decode into this type (a Struct, a dataclass, ``list[Item]``…); by default
                values come back as built-in types (dicts, lists, strings, numbers).
        """
        raw = await self.backend.get(VALUE_PREFIX + key)
        return default if raw is None else msgspec.msgpack.decode(raw, type=type)

    async def set(self, key: str, value: Any, *, ttl: float | None = None) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds (default: ``default_ttl``).

        Raises:
            TypeError: the value cannot be serialised (it names the offending type).
        """
        check_ttl(ttl, "ttl")
        await self.backend.set(VALUE_PREFIX + key, _encode(value), self._ttl(ttl))

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if it was there."""
        return await self.backend.delete(VALUE_PREFIX + key)

    async def clear(self) -> None:
        """Remove every entry of this cache, values and cached responses alike."""
        await self.backend.clear()

    async def get_or_set(
        self,
        key: str,
        factory: Callable[[], T | Awaitable[T]],
        *,
        ttl: float | None = None,
        type: Any = Any,
    ) -> Any:
        """The cached value of ``key``; on a miss, compute it with ``factory`` and store it.

        ``factory`` takes no arguments and may be sync (run in a worker thread) or async.
        Callers in this process asking for the same missing key wait for one factory call
        instead of each running their own (a lock per key). A miss returns the factory's
        own value; a hit returns the decoded value (pass ``type=`` to get your type back).
        """
        check_ttl(ttl, "ttl")
        raw = await self.backend.get(VALUE_PREFIX + key)
        if raw is not None:
            return msgspec.msgpack.decode(raw, type=type)
        async with self._locks.hold(key):
            raw = await self.backend.get(VALUE_PREFIX + key)  # filled while we waited?
            if raw is not None:
                return msgspec.msgpack.decode(raw, type=type)
            value = await _call(factory)
            await self.backend.set(VALUE_PREFIX + key, _encode(value), self._ttl(ttl))
            return value

    # -- function results -----------------------------------------------------------------------

    def cached(
        self,
        ttl: float | None = None,
        *,
        key: str | KeyFunction | None = None,
        type: Any = None,
    ) -> CachedDecorator:
        """Cache a function's results by its arguments: ``@cache.cached(ttl=60)``.

        The decorated function becomes async (a sync one runs in a worker thread on a
        miss) and goes through :meth:`get_or_set`, so concurrent calls with the same
        arguments run it once.

        Args:
            ttl: seconds a result lives (default: the cache's ``default_ttl``).
            key: how to name an entry: a template filled with the arguments by name
                (``"user:{user_id}"``, so ``cache.delete("user:42")`` invalidates it), or
                a function called with the same arguments that returns the key. By
                default the key is the function's qualified name plus a hash of its
                (serialisable) arguments.
            type: the type results are decoded into on a hit; by default the function's
                return annotation.
        """
        check_ttl(ttl, "ttl")

        def decorate(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
            signature = inspect.signature(func)
            name = f"{func.__module__}.{func.__qualname__}"
            decode_as: list[Any] = [] if type is None else [type]

            @functools.wraps(func)
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                entry = _function_key(name, signature, key, args, kwargs)
                if not decode_as:
                    decode_as.append(_return_type(func))
                return await self.get_or_set(
                    entry,
                    functools.partial(func, *args, **kwargs),
                    ttl=ttl,
                    type=decode_as[0],
                )

            return wrapper

        return decorate

    def _provide(self) -> Cache:
        return self

    def _ttl(self, ttl: float | None) -> float | None:
        return self.default_ttl if ttl is None else ttl


def _encode(value: Any) -> bytes:
    try:
        return msgspec.msgpack.encode(value)
    except TypeError as exc:
        raise TypeError(
            f"Cannot cache this value: {exc}. Cache built-in types, msgspec Structs or dataclasses."
        ) from None


async def _call(factory: Callable[[], Any]) -> Any:
    if inspect.iscoroutinefunction(factory):  # also sees through functools.partial
        return await factory()
    result = await run_sync(factory)
    if inspect.isawaitable(result):
        result = await result
    return result


def _function_key(
    name: str,
    signature: inspect.Signature,
    key: str | KeyFunction | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> str:
    if callable(key):
        return key(*args, **kwargs)
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    if isinstance(key, str):
        return key.format(**bound.arguments)
    try:
        encoded = msgspec.msgpack.encode(sorted(bound.arguments.items()))
    except TypeError as exc:
        raise TypeError(
            f"Cannot build a cache key for {name} from its arguments ({exc}); "
            "pass key='...' or key=lambda ...: '...' to cached()."
        ) from None
    return f"{name}:{hashlib.sha256(encoded).hexdigest()[:32]}"


def _return_type(func: Callable[..., Any]) -> Any:
    try:
        hint = typing.get_type_hints(func).get("return", Any)
        msgspec.msgpack.Decoder(hint)  # can msgspec decode into it?
    except Exception:  # unresolvable or undecodable annotation: decode as built-in types
        return Any
    return hint
