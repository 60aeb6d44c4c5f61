"""RateLimiter: hits, several limits, peek, clear and the headers a result gives."""

from __future__ import annotations

import pytest

from schooner.contrib.ratelimit import RateLimiter, RateLimitResult, normalize_identifier
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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ada@example.com", "ada@example.com"),
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com\t\n", "ada@example.com"),
        ("ada\u200b@example.com", "ada@example.com"),  # zero-width space
        ("\ufeffada@exa\u200dmple.com\u2060", "ada@example.com"),  # BOM, joiner, word joiner
        ("ad\u00ada@example.com", "ada@example.com"),  # soft hyphen
        ("ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ada@example.com"),  # full-width letters
        ("\u212bngstr\u00f6m", "\u00e5ngstr\u00f6m"),  # the Ångström sign is the letter Å
        ("e\u200b\u0301", "\u00e9"),  # a hidden character no longer splits e + accent
        ("Stra\u00dfe", "strasse"),
        ("STRASSE", "strasse"),
        ("\ufb01le", "file"),  # the fi ligature
        ("Ada   Lovelace", "ada lovelace"),
        ("Ada\u00a0\u3000Lovelace", "ada lovelace"),  # no-break and ideographic spaces
        ("ada\x00\x07@example.com", "ada@example.com"),  # control characters
        ("", ""),
        ("\u200b \u200b", ""),
    ],
)
def test_normalize_identifier(value: str, expected: str) -> None:
    """Spellings a person cannot tell apart (case, width, hidden characters) become one key."""
    assert normalize_identifier(value) == expected


def test_normalize_identifier_is_idempotent() -> None:
    """Normalising a normalised value changes nothing."""
    for value in ("Stra\u00dfe", "ａｄａ\u200b", " A\u0301 b ", "\u0130stanbul"):
        once = normalize_identifier(value)
        assert normalize_identifier(once) == once


async def test_normalized_spellings_share_one_budget() -> None:
    """Hits keyed by normalised spellings of one address count against one limit."""
    limiter = RateLimiter()
    spellings = ["ada@example.com", " ADA@example.com", "ada\u200b@example.com"]
    spellings.append("\uff41da@example.com")  # a full-width a
    results = [await limiter.hit(normalize_identifier(s), "3/minute") for s in spellings]
    assert [r.allowed for r in results] == [True, True, True, False]
