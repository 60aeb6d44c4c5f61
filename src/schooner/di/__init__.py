"""Dependency injection and typed parameters.

A handler's parameters say what it needs; Schooner works out where each comes from once,
at startup, and supplies it per request::

    @app.get("/items")
    async def items(
        db: Annotated[Db, Inject(get_db)], limit: Annotated[int, Query(le=100)] = 20
    ) -> list[Item]: ...

Providers are plain or async functions, or (async) generators whose code after ``yield``
runs once the response is sent. ``scope="request"`` values are made once per request and
shared; ``scope="app"`` values once per app. Tests replace providers with
``app.dependency_overrides[provider] = fake``.
"""

from __future__ import annotations

from schooner.di.markers import Body, Cookie, Form, Header, Inject, Param, Path, Query

__all__ = ["Body", "Cookie", "Form", "Header", "Inject", "Param", "Path", "Query"]
