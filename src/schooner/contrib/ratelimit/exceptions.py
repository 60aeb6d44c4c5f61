"""The rate-limit battery's exceptions.

::

    SchoonerError
    └── HTTPException
        └── RateLimitExceeded   429, with Retry-After and RateLimit-* headers

The middleware raises :class:`RateLimitExceeded` for a request over its limits; raise it
yourself after ``RateLimiter.hit`` refuses one. Register a handler for it to answer
differently (an HTML page that says when to come back).
"""

from __future__ import annotations

from schooner.contrib.ratelimit._limiter import RateLimitResult
from schooner.exceptions import HTTPException

__all__ = ["RateLimitExceeded"]


class RateLimitExceeded(HTTPException):
    """429: a limit is exhausted; the headers say how long to wait.

    ::

        result = await limiter.hit("login:" + address, "5/minute")
        if not result.allowed:
            raise RateLimitExceeded(result)

    Args:
        result: the refused hit (its limit and its reset time).
        detail: the explanation; by default it names the limit and the wait.

    Attributes:
        result: the refused hit.
    """

    status_code = 429

    def __init__(self, result: RateLimitResult, detail: str | None = None) -> None:
        self.result = result
        wait = result.retry_after
        if detail is None:
            detail = (
                f"Too many requests: the limit is {result.limit}; try again in "
                f"{wait} second{'s' if wait != 1 else ''}."
            )
        super().__init__(detail=detail, headers=result.headers())
