"""RateLimiter: hits, several limits, peek, clear and the headers a result gives."""

from __future__ import annotations

import pytest

from schooner.contrib.ratelimit import RateLimiter, RateLimitResult
from schooner.exceptions import ImproperlyConfigured


@pytest.mark.parametrize("strategy", ["moving-window", "fixed-window", "sliding-window"])
async def test_hits_are_allowed_until_the_limit(strategy: str) -> None:
    """Three hits on 3/minute pass with 2, 1, 0 left; the fourth is refused."""
    limiter = RateLimiter(strategy=strategy)  # type: ignore[arg-type]
    results = [await limiter.hit("k", "3/minute") for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results] == [2, 1, 0, 0]
    assert all(r.limit == 3 for r in results)
    assert 0 < results[-1].reset <= 60
    assert 1 <= results[-1].retry_after <= 60


async def test_keys_are_counted_separately() -> None:
    """Each key has its own counter."""
    limiter = RateLimiter()
    assert (await limiter.hit("a", "1/minute")).allowed
    assert not (await limiter.hit("a", "1/minute")).allowed
    assert (await limiter.hit("b", "1/minute")).allowed


async def test_several_limits_report_the_tightest() -> None:
    """With "5/minute;2/hour" the hour limit is the one that runs out and is reported."""
    limiter = RateLimiter()
    first = await limiter.hit("k", "5/minute;2/hour")
    assert (first.limit, first.remaining) == (2, 1)
    await limiter.hit("k", "5/minute;2/hour")
    refused = await limiter.hit("k", "5/minute;2/hour")
    assert not refused.allowed
    assert refused.limit == 2
    assert refused.reset > 60  # the hour window, not the minute one


async def test_limits_can_be_written_in_words() -> None:
    """ "1 per hour" is the same limit as "1/hour"."""
    limiter = RateLimiter()
    assert (await limiter.hit("k", "1 per hour")).allowed
    refused = await limiter.hit("k", "1 per hour")
    assert not refused.allowed
    assert refused.reset > 60


async def test_peek_does_not_count_and_clear_forgets() -> None:
    """peek() reports without consuming; clear() resets the key."""
    limiter = RateLimiter()
    assert (await limiter.peek("k", "1/minute")).allowed
    assert (await limiter.hit("k", "1/minute")).allowed
    assert not (await limiter.peek("k", "1/minute")).allowed
    await limiter.clear("k", "1/minute")
    assert (await limiter.hit("k", "1/minute")).allowed


def test_result_headers() -> None:
    """Allowed results give RateLimit-*; refused ones add Retry-After (whole seconds)."""
    allowed = RateLimitResult(allowed=True, limit=10, remaining=3, reset=12.2)
    assert allowed.headers() == {
        "RateLimit-Limit": "10",
        "RateLimit-Remaining": "3",
        "RateLimit-Reset": "13",
    }
    refused = RateLimitResult(allowed=False, limit=10, remaining=0, reset=0.2)
    assert refused.headers()["Retry-After"] == "1"
    assert refused.retry_after == 1


@pytest.mark.parametrize("limit", ["", "five per minute", "5/fortnight", "5/minute;nonsense"])
async def test_bad_limits_are_configuration_errors(limit: str) -> None:
    """A limit string that does not parse says how to write one."""
    with pytest.raises(ImproperlyConfigured, match="5/minute"):
        await RateLimiter().hit("k", limit)


def test_bad_storage_and_strategy_are_configuration_errors() -> None:
    """Unknown storages and strategies are refused at construction."""
    with pytest.raises(ImproperlyConfigured, match="memory://"):
        RateLimiter("memcached://localhost")
    with pytest.raises(ImproperlyConfigured, match="moving-window"):
        RateLimiter(strategy="leaky-bucket")  # type: ignore[arg-type]
