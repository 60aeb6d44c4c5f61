"""Tests for turning handler results into responses, and for sync handlers."""
# No "from __future__ import annotations": handlers here refer to local names.

import asyncio
import dataclasses
import threading
import time
from typing import Any

import msgspec
import pytest

from schooner import App, JSONResponse, PlainTextResponse
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import AsyncTestClient, TestClient


@dataclasses.dataclass
class Pet:
    name: str


class Toy(msgspec.Struct):
    name: str


@pytest.mark.parametrize(
    ("result", "status", "content_type", "body"),
    [
        ({"a": 1}, 200, "application/json", b'{"a":1}'),
        ([1, 2], 200, "application/json", b"[1,2]"),
        (Pet("rex"), 200, "application/json", b'{"name":"rex"}'),
        (Toy("ball"), 200, "application/json", b'{"name":"ball"}'),
        ("héllo", 200, "text/plain; charset=utf-8", "héllo".encode()),
        (b"\x00\x01", 200, "application/octet-stream", b"\x00\x01"),
        (None, 204, None, b""),
        (PlainTextResponse("custom", status_code=202), 202, "text/plain; charset=utf-8", b"custom"),
    ],
)
def test_return_values(result: Any, status: int, content_type: str | None, body: bytes) -> None:
    """Each kind of return value becomes the matching response."""
    app = App()

    @app.get("/")
    async def index() -> Any:
        return result

    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == status
    assert response.headers.get("content-type") == content_type
    assert response.content == body


def test_decorator_status_and_headers() -> None:
    """status_code and headers on the decorator apply to plain results and Responses."""
    app = App()

    @app.post("/made", status_code=201, headers={"x-kind": "made"})
    async def made() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/empty", status_code=202, headers={"x-kind": "empty"})
    async def empty() -> None:
        return None

    @app.get("/resp", headers={"x-kind": "resp", "cache-control": "no-store"})
    async def resp() -> JSONResponse:
        return JSONResponse([], headers={"cache-control": "max-age=5"})

    with TestClient(app) as client:
        made_r = client.post("/made")
        empty_r = client.post("/empty")
        resp_r = client.get("/resp")
    assert (made_r.status_code, made_r.headers["x-kind"]) == (201, "made")
    assert (empty_r.status_code, empty_r.headers["content-length"]) == (202, "0")
    assert resp_r.headers["x-kind"] == "resp"
    assert resp_r.headers["cache-control"] == "max-age=5"


def test_unencodable_result_is_500() -> None:
    """A result msgspec cannot encode is a server error, not a silent bad response."""
    app = App()

    @app.get("/")
    async def index() -> Any:
        return {"x": object()}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


def test_generator_handler_rejected() -> None:
    """A generator handler is a startup error that points at StreamingResponse."""
    app = App()

    @app.get("/")
    async def index() -> Any:
        yield 1

    with pytest.raises(ImproperlyConfigured, match="StreamingResponse"):
        app.build()


def test_sync_handler_runs_in_worker_thread() -> None:
    """Sync handlers run off the event loop thread."""
    app = App()
    main_thread = threading.get_ident()

    @app.get("/")
    def index() -> bool:
        return threading.get_ident() != main_thread

    with TestClient(app) as client:
        assert client.get("/").json() is True


async def test_slow_sync_handler_does_not_block_async_requests() -> None:
    """While a slow sync handler sleeps, a concurrent async request completes."""
    app = App()
    order: list[str] = []

    @app.get("/slow")
    def slow() -> str:
        time.sleep(0.5)
        order.append("slow")
        return "slow"

    @app.get("/fast")
    async def fast() -> str:
        order.append("fast")
        return "fast"

    async with AsyncTestClient(app) as client:
        slow_task = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.05)
        fast_response = await client.get("/fast")
        assert order == ["fast"]
        assert fast_response.text == "fast"
        assert (await slow_task).text == "slow"
    assert order == ["fast", "slow"]
