"""Test any ASGI 3 app without a server.

:class:`TestClient` (synchronous) and :class:`AsyncTestClient` are `httpx`_ clients whose
requests go straight to the app instead of over a network::

    with TestClient(app) as client:  # runs the app's lifespan startup
        response = client.get("/items/1")
        assert response.json() == {"id": 1}
    # ... and shutdown here

Entering the client with ``with`` / ``async with`` runs the ASGI lifespan protocol, so what
startup puts in the lifespan state is there for every request. ``client.override(get_db,
fake_db)`` swaps a dependency provider for a block. The pytest plugin in
:mod:`schooner.testing.pytest_plugin` turns your ``app`` fixture into ready-to-use ``client``
and ``async_client`` fixtures.

Needs the ``testing`` extra (``pip install 'schooner[testing]'``); without httpx, importing
the clients raises :class:`~schooner.exceptions.MissingDependency`. The clients are loaded on
first access so that the pytest plugin, which lives in this package and is loaded by every
pytest run, never breaks a project that does not have the extra installed.

.. _httpx: https://www.python-httpx.org/
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schooner.testing._client import AsyncTestClient, TestClient
    from schooner.testing._websocket import (
        AsyncWebSocketSession,
        WebSocketRejected,
        WebSocketTestSession,
    )

__all__ = [
    "AsyncTestClient",
    "AsyncWebSocketSession",
    "TestClient",
    "WebSocketRejected",
    "WebSocketTestSession",
]


def __getattr__(name: str) -> Any:
    # PEP 562: import httpx (through _client) only when a client is asked for.
    if name in __all__:
        from schooner.testing import _client, _websocket

        value = getattr(_client if hasattr(_client, name) else _websocket, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
