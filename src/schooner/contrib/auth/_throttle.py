"""Login throttling on the ratelimit battery: per account and per client address.

Failed sign-ins count against two keys: the normalised identifier that was typed (so
``Alice@Example.com`` and ``alice@example.com `` share a counter, whether or not the
account exists) and the client's address. Each limit in ``account_limits`` is one step of a
growing lockout: with ``"5/15 minutes;10/hour;20/day"``, five failures lock the account for
up to 15 minutes, ten for an hour, twenty for a day. A locked sign-in is refused before the
password is checked, with the same answer for every account. With a Redis rate-limit
storage the counters are shared by every instance of the app.
"""

from __future__ import annotations

from schooner.contrib.auth.exceptions import LoginThrottled
from schooner.contrib.ratelimit import RateLimiter, normalize_identifier
from schooner.http import Request

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """Counts failed sign-ins and refuses attempts past the limits.

    Args:
        limiter: the rate limiter (the ``RateLimit`` component's, or a private one).
        account_limits: limits per typed identifier (``"5/15 minutes;20/day"``).
        address_limits: limits per client address.
    """

    def __init__(self, limiter: RateLimiter, *, account_limits: str, address_limits: str) -> None:
        self.limiter = limiter
        self.account_limits = account_limits
        self.address_limits = address_limits

    def _keys(self, request: Request, identifier: str) -> list[tuple[str, str]]:
        return [
            ("auth:login:account:" + normalize_identifier(identifier), self.account_limits),
            ("auth:login:address:" + self.limiter.client_address(request), self.address_limits),
        ]

    async def check(self, request: Request, identifier: str) -> None:
        """Refuse the attempt if either counter is exhausted.

        Raises:
            LoginThrottled: locked; ``retry_after`` says for how long.
        """
        for key, limits in self._keys(request, identifier):
            result = await self.limiter.peek(key, limits)
            if not result.allowed:
                raise LoginThrottled(result.retry_after)

    async def failed(self, request: Request, identifier: str) -> bool:
        """Count a failure; whether this one locked the account or the address."""
        locked = False
        for key, limits in self._keys(request, identifier):
            result = await self.limiter.hit(key, limits)
            locked = locked or not result.allowed or result.remaining == 0
        return locked

    async def succeeded(self, request: Request, identifier: str) -> None:
        """Forget the account's failures after a successful sign-in (not the address's)."""
        key, limits = self._keys(request, identifier)[0]
        await self.limiter.clear(key, limits)
