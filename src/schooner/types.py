"""ASGI type aliases shared by every layer of Schooner.

These follow the ASGI 3 specification (https://asgi.readthedocs.io/): an application is an
async callable taking ``(scope, receive, send)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeAlias

Scope: TypeAlias = MutableMapping[str, Any]
"""The connection scope: a mutable mapping with ``type``, ``path``, ``headers`` and friends."""

Message: TypeAlias = MutableMapping[str, Any]
"""One ASGI event, received from the server or sent to it."""

Receive: TypeAlias = Callable[[], Awaitable[Message]]
"""Awaitable that returns the next event from the client."""

Send: TypeAlias = Callable[[Message], Awaitable[None]]
"""Awaitable that sends one event to the client."""

ASGIApp: TypeAlias = Callable[[Scope, Receive, Send], Awaitable[None]]
"""Any ASGI 3 application."""

RawHeaders: TypeAlias = list[tuple[bytes, bytes]]
"""Headers as the ASGI server passes them: lower-cased names, latin-1 bytes."""
