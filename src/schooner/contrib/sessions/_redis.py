"""Sessions stored in Redis: the cookie carries only a signed random id."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from schooner.contrib._redis import redis_from_url
from schooner.contrib.sessions._backends import new_session_id
from schooner.contrib.sessions._session import Session

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisBackend"]


class RedisBackend:
    """Keep session data in Redis, shared by every instance of the app.

    Use it when sessions are big, when they must be revocable (logout deletes the data, not
    only the cookie), or to see who is logged in. Entries expire with the session.

    Args:
        url: a Redis URL (``redis://127.0.0.1:6379/0``); or pass ``client``.
        client: an existing ``redis.asyncio.Redis`` client.
        prefix: key prefix in Redis.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Redis | None = None,
        prefix: str = "schooner:session:",
    ) -> None:
        if client is None:
            client = redis_from_url(url)
        self.client = client
        self.prefix = prefix

    def _key(self, session_id: str) -> str:
        return self.prefix + session_id

    async def load(self, token: str) -> Session | None:
        """Fetch the data the id names; ``None`` when it expired or was deleted."""
        raw = await self.client.get(self._key(token))
        if raw is None:
            return None
        try:
            payload: Any = json.loads(raw)
            return Session(payload["d"], id=token, created=float(payload["c"]))
        except (ValueError, KeyError, TypeError):
            return None

    async def save(self, session: Session, max_age: int) -> str:
        """Write the data under its id (a new one after ``regenerate()``) with a TTL."""
        if session.id is None or session.regenerated:
            if session.id is not None:
                session.previous_id = session.id
                await self.client.delete(self._key(session.id))
            session.id = new_session_id()
        payload = json.dumps({"d": session.to_dict(), "c": session.created}, separators=(",", ":"))
        await self.client.set(self._key(session.id), payload, ex=max(1, max_age))
        return session.id

    async def touch(self, session: Session, max_age: int) -> None:
        """Extend the entry's life (rolling expiry) without rewriting it."""
        if session.id is not None:
            await self.client.expire(self._key(session.id), max(1, max_age))

    async def delete(self, session: Session) -> None:
        """Delete the data; the id is worthless afterwards."""
        if session.id is not None:
            await self.client.delete(self._key(session.id))

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()
