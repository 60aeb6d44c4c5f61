"""RateLimitConfig and RateLimitExceeded: validated options, and a 429 handlers can raise."""

from __future__ import annotations

from typing import Any

import pytest

from schooner import App, Request
from schooner.contrib.ratelimit import (
    RateLimit,
    RateLimitConfig,
    RateLimiter,
    RateLimitExceeded,
    RateLimitResult,
    rate_limit,
)
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.testing import TestClient


def test_keywords_and_config_agree_and_keywords_win() -> None:
    """RateLimit(default=...) equals the config form; a keyword beats config=."""
    by_keyword = RateLimit(default="10/minute", exempt_paths=["/static/*"])
    by_config = RateLimit(config=RateLimitConfig(default="10/minute", exempt_paths=["/static/*"]))
    assert by_keyword.config == by_config.config
    mixed = RateLimit(config=by_config.config, default="5/minute")
    assert (mixed.default, mixed.config.exempt_paths) == ("5/minute", ["/static/*"])


def test_the_storage_is_the_first_parameter() -> None:
    """RateLimit("redis://...") keeps working and lands in the config."""
    component = RateLimit("redis://127.0.0.1:6379/10", prefix="test:config")
    assert component.config.storage == "redis://127.0.0.1:6379/10"


def test_the_configured_default_limits_the_app() -> None:
    """A default from the config applies to routes without their own limit."""
    app = App(components=[RateLimit(config=RateLimitConfig(default="1/minute"))])

    @app.get("/")
    async def index() -> str:
        return "ok"

    with TestClient(app) as client:
        assert [client.get("/").status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"storage": "memcached://x"}, "use 'memory://' or a Redis URL"),
        ({"default": "lots"}, "is not a rate limit"),
        ({"strategy": "leaky-bucket"}, "unknown strategy 'leaky-bucket'; use one of"),
        ({"key": "ip"}, "key must be a function"),
        ({"trusted_proxies": ["proxy.local"]}, "not an IP address or network"),
        ({"exempt_paths": ["static/*"]}, "must start with '/'"),
        ({"prefix": ""}, "prefix must not be empty"),
        ({"limit": "5/minute"}, "has no option limit"),
    ],
)
def test_bad_options_say_how_to_fix_them(options: dict[str, Any], message: str) -> None:
    """Invalid options are ImproperlyConfigured errors that say what to write."""
    with pytest.raises(ImproperlyConfigured, match=message):
        RateLimit(**options)


def test_from_env_reads_every_text_option() -> None:
    """RATELIMIT_* variables set the limit, strategy, proxies and headers."""
    config = RateLimitConfig.from_env(
        environ={
            "RATELIMIT_DEFAULT": "100/minute",
            "RATELIMIT_STRATEGY": "fixed-window",
            "RATELIMIT_TRUSTED_PROXIES": "10.0.0.0/8,192.168.1.1",
            "RATELIMIT_HEADERS": "false",
            "RATELIMIT_KEY": "ignored: a function is set in code",
        }
    )
    assert config.default == "100/minute"
    assert config.strategy == "fixed-window"
    assert config.trusted_proxies == ["10.0.0.0/8", "192.168.1.1"]
    assert config.headers is False
    assert config.key is None


def test_rate_limit_exceeded_carries_the_wait() -> None:
    """The exception is a 429 whose headers and detail come from the refused hit."""
    refused = RateLimitResult(allowed=False, limit=5, remaining=0, reset=12.2)
    error = RateLimitExceeded(refused)
    assert isinstance(error, HTTPException)
    assert error.status_code == 429
    assert error.headers["Retry-After"] == "13"
    assert error.detail == "Too many requests: the limit is 5; try again in 13 seconds."
    assert RateLimitExceeded(refused, "Slow down.").detail == "Slow down."


def test_a_handler_raises_it_after_a_refused_hit() -> None:
    """Raised from a handler, it is a 429 problem with Retry-After, like the middleware's."""
    app = App(components=[RateLimit()])

    @app.post("/login", meta=[rate_limit("100/minute")])
    async def login(request: Request, limiter: RateLimiter) -> str:
        result = await limiter.hit("login:" + limiter.client_address(request), "1/minute")
        if not result.allowed:
            raise RateLimitExceeded(result)
        return "welcome"

    with TestClient(app) as client:
        assert client.post("/login").status_code == 200
        refused = client.post("/login")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert "limit is 1" in refused.json()["detail"]
