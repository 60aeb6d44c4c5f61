"""``RateLimitConfig``: every option of the ``RateLimit`` component, validated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar, TypedDict, get_args

from schooner.contrib._config import ComponentConfig
from schooner.contrib.ratelimit._client import TrustedProxies
from schooner.contrib.ratelimit._limiter import KeyFunction, Strategy, parse_limits
from schooner.exceptions import ImproperlyConfigured
from schooner.http import Request

__all__ = ["RateLimitConfig", "RateLimitOptions"]

STRATEGIES: tuple[str, ...] = get_args(Strategy)

# Names the KeyFunction alias refers to, for msgspec to resolve the field's type.
_ALIAS_NAMES = (Awaitable, Callable, Request)


class RateLimitConfig(ComponentConfig, frozen=True, kw_only=True):
    """Where counters live, the app-wide limit, and who a client is.

    Every field is also an option of ``RateLimit``; as a settings block it is the
    ``[schooner.ratelimit]`` table, and ``from_env()`` reads ``RATELIMIT_<FIELD>`` variables.

    Attributes:
        storage: ``"memory://"`` (default: per process) or a Redis URL, shared by every
            instance of the app.
        default: the limit of every request to a route without its own (``None``: none),
            e.g. ``"100/minute"``.
        strategy: ``"moving-window"`` (default), ``"fixed-window"`` or ``"sliding-window"``.
        key: ``(request) -> str`` (sync or async) naming the client; its address by default.
            Set in code.
        trusted_proxies: IPs or CIDR networks of your reverse proxies, whose
            ``X-Forwarded-For`` is believed.
        exempt_paths: path patterns (``fnmatch``) never limited, e.g. ``"/static/*"``.
        headers: add ``RateLimit-*`` headers to allowed responses.
        prefix: key prefix in Redis; give each app its own.
    """

    env_prefix: ClassVar[str] = "RATELIMIT_"

    storage: str = "memory://"
    default: str | None = None
    strategy: Strategy = "moving-window"
    key: KeyFunction | None = None
    trusted_proxies: list[str] = []  # noqa: RUF012 - msgspec copies empty defaults
    exempt_paths: list[str] = []  # noqa: RUF012 - msgspec copies empty defaults
    headers: bool = True
    prefix: str = "schooner:ratelimit"

    def __post_init__(self) -> None:
        storage = self.storage.removeprefix("async+")
        if not storage.startswith(("memory://", "redis://", "rediss://")):
            raise ImproperlyConfigured(
                f"RateLimit: storage {self.storage!r} is not supported: use 'memory://' or a "
                "Redis URL ('redis://host:6379/0')."
            )
        if self.default is not None:
            parse_limits(self.default)
        if self.strategy not in STRATEGIES:
            raise ImproperlyConfigured(
                f"RateLimit: unknown strategy {self.strategy!r}; use one of "
                f"{', '.join(STRATEGIES)}."
            )
        if self.key is not None and not callable(self.key):
            raise ImproperlyConfigured(
                "RateLimit: key must be a function (request) -> str naming the client."
            )
        TrustedProxies(self.trusted_proxies)
        for pattern in self.exempt_paths:
            if not pattern.startswith("/"):
                raise ImproperlyConfigured(
                    f"RateLimit: exempt path {pattern!r} must start with '/' (it is matched "
                    "against the request path, e.g. '/static/*')."
                )
        if not self.prefix:
            raise ImproperlyConfigured(
                "RateLimit: prefix must not be empty: counters would mix with other keys."
            )


class RateLimitOptions(TypedDict, total=False):
    """The keyword options of ``RateLimit(...)``: the fields of :class:`RateLimitConfig`
    (``storage`` is its first parameter)."""

    default: str | None
    strategy: Strategy
    key: KeyFunction | None
    trusted_proxies: Sequence[str]
    exempt_paths: Sequence[str]
    headers: bool
    prefix: str
