"""``RateLimiter``: counting hits against limits with the ``limits`` library (async API)."""

from __future__ import annotations

import functools
import inspect
import math
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.aio.strategies import (
    RateLimiter as LimitsStrategy,
)

from schooner.contrib.ratelimit._client import TrustedProxies, client_address
from schooner.exceptions import ImproperlyConfigured, MissingDependency
from schooner.http import Request

if TYPE_CHECKING:
    from redis.asyncio import ConnectionPool

__all__ = ["KeyFunction", "RateLimitResult", "RateLimiter", "Strategy", "normalize_identifier"]

Strategy: TypeAlias = Literal["moving-window", "fixed-window", "sliding-window"]
KeyFunction: TypeAlias = Callable[[Request], "str | Awaitable[str]"]
"""Names who is being limited: ``(request) -> str`` (sync or async), e.g. the user's id."""

_STRATEGIES: dict[str, type[LimitsStrategy]] = {
    "moving-window": MovingWindowRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
    "sliding-window": SlidingWindowCounterRateLimiter,
}


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    """The outcome of one hit, for the most restrictive of the limits checked.

    Attributes:
        allowed: ``False`` when a limit is exhausted (the hit was not counted).
        limit: how many hits that limit allows per window.
        remaining: hits left in the window after this one.
        reset: seconds until the window frees up again.
    """

    allowed: bool
    limit: int
    remaining: int
    reset: float

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait before trying again (0 when allowed)."""
        return 0 if self.allowed else max(1, math.ceil(self.reset))

    def headers(self) -> dict[str, str]:
        """``RateLimit-Limit``/``-Remaining``/``-Reset`` (IETF draft), plus ``Retry-After``
        when refused (RFC 9110 §10.2.3)."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(max(0, math.ceil(self.reset))),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """Count hits per key against limits like ``"5/minute;100/day"``.

    Handlers get it by type (``limiter: RateLimiter``) to limit anything themselves::

        result = await limiter.hit("login:" + limiter.client_address(request), "5/minute")
        if not result.allowed:
            raise HTTPException(429, headers=result.headers())

    Args:
        storage: ``"memory://"`` (default, per process) or a Redis URL
            (``"redis://127.0.0.1:6379/0"``) shared by every instance.
        strategy: ``"moving-window"`` (default, exact), ``"fixed-window"`` (cheapest,
            allows bursts at window edges) or ``"sliding-window"`` (approximate, cheap).
        prefix: key prefix in Redis; give each app its own.
        trusted_proxies: proxies (IPs or CIDR networks) whose ``X-Forwarded-For`` is read.
        key: how the middleware names a client by default; the proxy-aware client address
            when ``None``.
    """

    def __init__(
        self,
        storage: str = "memory://",
        *,
        strategy: Strategy = "moving-window",
        prefix: str = "schooner:ratelimit",
        trusted_proxies: Iterable[str] = (),
        key: KeyFunction | None = None,
    ) -> None:
        if strategy not in _STRATEGIES:
            raise ImproperlyConfigured(
                f"Unknown rate-limit strategy {strategy!r}; use one of {', '.join(_STRATEGIES)}."
            )
        self.trusted_proxies = TrustedProxies(trusted_proxies)
        self.key = key
        self._pool: ConnectionPool | None = None
        self.storage: Storage = self._storage(storage, prefix)
        self._strategy = _STRATEGIES[strategy](self.storage)

    def _storage(self, uri: str, prefix: str) -> Storage:
        uri = uri.removeprefix("async+")
        if uri.startswith("memory://"):
            return MemoryStorage()
        if not uri.startswith(("redis://", "rediss://")):
            raise ImproperlyConfigured(
                f"Rate-limit storage {uri!r} is not supported: use 'memory://' or a Redis URL "
                "('redis://host:6379/0')."
            )
        try:
            from redis.asyncio import ConnectionPool
        except ImportError:  # pragma: no cover - exercised without the extra
            raise MissingDependency("redis", "redis") from None
        # Our own pool, so that shutdown can close its connections.
        self._pool = ConnectionPool.from_url(uri)
        options: dict[str, Any] = {"connection_pool": self._pool}  # typed too narrowly by limits
        return RedisStorage("async+" + uri, implementation="redispy", key_prefix=prefix, **options)

    def client_address(self, request: Request) -> str:
        """The client's address, read through trusted proxies only."""
        return client_address(request.scope, self.trusted_proxies)

    async def key_for(self, request: Request, key: KeyFunction | None = None) -> str:
        """Who a request is: ``key``'s answer, else the limiter's ``key``, else the address."""
        key = key or self.key
        if key is None:
            return self.client_address(request)
        value = key(request)
        return await value if inspect.isawaitable(value) else value

    async def hit(self, key: str, limit: str, *, cost: int = 1) -> RateLimitResult:
        """Count one hit (``cost`` hits) for ``key`` against every limit in ``limit``.

        Limits are checked in order; the first one exhausted refuses the hit. The result
        describes that limit, or (when allowed) the one with the fewest hits left.

        Raises:
            ImproperlyConfigured: ``limit`` is not a valid limit string.
        """
        results = []
        for item in parse_limits(limit):
            allowed = await self._strategy.hit(item, key, cost=cost)
            result = await self._result(item, key, allowed)
            if not allowed:
                return result
            results.append(result)
        return min(results, key=lambda r: (r.remaining, -r.reset))

    async def peek(self, key: str, limit: str) -> RateLimitResult:
        """Like :meth:`hit`, without counting: would one more hit be allowed?"""
        results = []
        for item in parse_limits(limit):
            allowed = await self._strategy.test(item, key)
            results.append(await self._result(item, key, allowed))
        return min(results, key=lambda r: (r.allowed, r.remaining, -r.reset))

    async def clear(self, key: str, limit: str) -> None:
        """Forget the hits of ``key`` for these limits (after a successful login, say)."""
        for item in parse_limits(limit):
            await self._strategy.clear(item, key)

    async def aclose(self) -> None:
        """Close the Redis connections, if any (they reopen on next use)."""
        if self._pool is not None:
            await self._pool.aclose()

    async def _result(self, item: RateLimitItem, key: str, allowed: bool) -> RateLimitResult:
        stats = await self._strategy.get_window_stats(item, key)
        return RateLimitResult(
            allowed=allowed,
            limit=item.amount,
            remaining=max(0, stats.remaining) if allowed else 0,
            reset=max(0.0, stats.reset_time - time.time()),
        )


@functools.lru_cache(maxsize=256)
def parse_limits(limit: str) -> tuple[RateLimitItem, ...]:
    """``"5/minute;100/day"`` as ``limits`` items.

    Raises:
        ImproperlyConfigured: the string is not a limit.
    """
    try:
        items = tuple(parse_many(limit))
    except ValueError:
        items = ()
    if not items:
        raise ImproperlyConfigured(
            f"{limit!r} is not a rate limit; write it like '5/minute', '100 per hour' or "
            "'5/minute;100/day'."
        )
    return items


def normalize_identifier(value: str) -> str:
    """One spelling for identifiers a person cannot tell apart, to key limits on them.

    A limit keyed on what a client typed (an email address, a user name) is only as strong
    as that key: ``"Ada@example.com "``, ``"ada\u200b@example.com"`` (with a zero-width
    space) and ``"ａｄａ@example.com"`` (full-width letters) look like one account, but
    raw or ``.lower()``-ed they are three keys with three fresh budgets. This returns one::

        key = f"login:{limiter.client_address(request)}:{normalize_identifier(form.email)}"

    Steps: invisible characters are removed (format characters, Unicode category ``Cf``,
    such as zero-width spaces, joiners and the byte-order mark; and control characters
    other than whitespace), then Unicode NFKC compatibility normalisation (full-width and
    other compatibility forms become plain letters), case folding (stronger than
    ``lower()``: ``"Straße"`` and ``"STRASSE"`` agree) and NFKC again, since folding can
    undo it; finally surrounding whitespace is stripped and inner runs become one space.

    Use it for keys, not to store or display what the user typed.
    """
    visible = "".join(char for char in value if char.isspace() or not _invisible(char))
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return " ".join(folded.split())


def _invisible(char: str) -> bool:
    # Cf: format characters (zero-width space and joiners, BOM, soft hyphen, bidi
    # controls); Cc: control characters. Whitespace controls (tab, newline) are kept, and
    # become plain spaces with the rest of the whitespace.
    return unicodedata.category(char) in ("Cf", "Cc")
