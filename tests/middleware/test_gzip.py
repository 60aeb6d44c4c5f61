"""Tests for GZipMiddleware: when it compresses, streaming without buffering, and headers.

They use ``AsyncTestClient``, which hands over the body exactly as sent (``TestClient``
re-reads it decoded).
"""
# No "from __future__ import annotations": handlers here refer to local names.

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from schooner import App, Middleware, Response, StreamingResponse
from schooner.datastructures import Headers
from schooner.middleware import GZipMiddleware
from schooner.middleware.gzip import accepts_gzip
from schooner.testing import AsyncTestClient
from schooner.types import Message, Receive, Scope, Send

BIG = b"All hands on deck! " * 100  # 1900 bytes, compresses well


def make_app(**options: Any) -> App:
    """An app with gzip and one route per kind of response."""
    app = App(middleware=[Middleware(GZipMiddleware, **options)])

    @app.get("/big")
    async def big() -> Response:
        return Response(BIG, media_type="text/plain", headers={"etag": '"v1"'})

    @app.get("/small")
    async def small() -> Response:
        return Response(b"tiny", media_type="text/plain")

    @app.get("/encoded")
    async def encoded() -> Response:
        return Response(gzip.compress(BIG), headers={"content-encoding": "gzip"})

    @app.get("/events")
    async def events() -> StreamingResponse:
        return StreamingResponse([BIG], media_type="text/event-stream")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(3):
                yield BIG

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/empty")
    async def empty() -> Response:
        return Response(status_code=204)

    @app.get("/notransform")
    async def notransform() -> Response:
        return Response(BIG, headers={"cache-control": "no-transform"})

    return app


async def raw_get(client: AsyncTestClient, path: str, **headers: str) -> tuple[Any, bytes]:
    """GET ``path`` and return the response with its body as sent (not decoded)."""
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    async with client.stream("GET", path, headers=sent) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


async def test_compresses_a_large_body() -> None:
    """A large body is gzipped with an exact length, Vary, and a weakened ETag."""
    async with AsyncTestClient(make_app()) as client:
        response, raw = await raw_get(client, "/big", accept_encoding="gzip, br")
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == BIG
    assert int(response.headers["content-length"]) == len(raw) < len(BIG)
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["etag"] == 'W/"v1"'


async def test_not_compressed_without_accept_encoding() -> None:
    """A client that does not accept gzip gets the plain body, still with Vary."""
    async with AsyncTestClient(make_app()) as client:
        response, raw = await raw_get(client, "/big", accept_encoding="identity")
    assert raw == BIG
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["etag"] == '"v1"'


@pytest.mark.parametrize(
    ("path", "encoding"),
    [("/small", None), ("/encoded", "gzip"), ("/events", None), ("/notransform", None)],
)
async def test_left_alone(path: str, encoding: str | None) -> None:
    """Small, already encoded, event-stream and no-transform responses are not compressed."""
    async with AsyncTestClient(make_app()) as client:
        response, raw = await raw_get(client, path, accept_encoding="gzip")
    assert response.headers.get("content-encoding") == encoding
    assert "vary" not in response.headers
    if path == "/small":
        assert raw == b"tiny"


async def test_204_is_left_alone() -> None:
    """A 204 has no body to compress and gets no gzip headers."""
    async with AsyncTestClient(make_app()) as client:
        response = await client.get("/empty", headers={"accept-encoding": "gzip"})
    assert response.status_code == 204
    assert "content-encoding" not in response.headers


async def test_minimum_size_and_level_are_configurable() -> None:
    """minimum_size=0 compresses even a tiny body."""
    async with AsyncTestClient(make_app(minimum_size=0, compresslevel=9)) as client:
        response, raw = await raw_get(client, "/small", accept_encoding="gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == b"tiny"


def test_bad_level_is_refused() -> None:
    """compresslevel outside 1..9 is an error when the app is built."""
    with pytest.raises(ValueError, match="between 1 and 9"):
        make_app(compresslevel=11).build()


async def test_streaming_response_is_compressed_without_length() -> None:
    """A streamed body is compressed, decodes to the whole stream and has no Content-Length."""
    async with AsyncTestClient(make_app()) as client:
        response, raw = await raw_get(client, "/stream", accept_encoding="gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert gzip.decompress(raw) == BIG * 3


async def test_head_says_what_get_would_get() -> None:
    """HEAD gets the gzip headers without a body, and without a length it cannot know."""
    async with AsyncTestClient(make_app()) as client:
        response = await client.head("/big", headers={"accept-encoding": "gzip"})
        small = await client.head("/small", headers={"accept-encoding": "gzip"})
    assert response.content == b""
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert "content-length" not in response.headers
    assert "content-encoding" not in small.headers
    assert small.headers["content-length"] == "4"


async def test_compressed_content_is_decoded_by_the_client() -> None:
    """End to end through the test client, the JSON of a big route reads back unchanged."""
    app = App(middleware=[GZipMiddleware])

    @app.get("/fleet")
    async def fleet() -> list[dict[str, int]]:
        return [{"ship": i} for i in range(200)]

    async with AsyncTestClient(app) as client:
        response = await client.get("/fleet", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == [{"ship": i} for i in range(200)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gzip", True),
        ("GZip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("br", False),
        ("*", True),
        ("*;q=0", False),
        ("*, gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("x-gzip", True),
        ("gzip;q=bad", False),
        ("", False),
    ],
)
def test_accepts_gzip(value: str, expected: bool) -> None:
    """Accept-Encoding is read with its q-values (RFC 9110 §12.5.3)."""
    assert accepts_gzip(value) is expected


# -- streaming at the ASGI level ---------------------------------------------------------


def scope(accept: bytes = b"gzip") -> Scope:
    """An HTTP GET scope accepting ``accept``."""
    return {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", accept)],
    }


async def no_body() -> Message:
    """A receive with nothing to receive."""
    return {"type": "http.request", "body": b"", "more_body": False}


def producer(log: list[str], count: int) -> Any:
    """An ASGI app streaming ``count`` chunks and logging each one it hands over."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for i in range(count):
            log.append(f"produced {i}")
            await send({"type": "http.response.body", "body": BIG, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    return app


async def test_each_chunk_is_flushed_as_it_arrives() -> None:
    """Every chunk leaves as its own message that decompresses to that chunk at once."""
    log: list[str] = []
    sent: list[Message] = []
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and message["more_body"]:
            assert decoder.decompress(message["body"]) == BIG
            log.append(f"delivered {len(sent) - 2}")

    await GZipMiddleware(producer(log, 3))(scope(), no_body, send)
    assert log == [f"{kind} {i}" for i in range(3) for kind in ("produced", "delivered")]
    headers = Headers(raw=sent[0]["headers"])
    assert "content-length" not in headers
    assert headers["content-encoding"] == "gzip"
    assert sent[-1]["more_body"] is False
    assert decoder.decompress(sent[-1]["body"]) == b""
    assert decoder.eof


async def test_back_pressure_is_kept() -> None:
    """While the server has not taken a chunk, the app is not asked for the next one."""
    log: list[str] = []
    gate = asyncio.Event()

    async def slow_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            await gate.wait()

    task = asyncio.create_task(GZipMiddleware(producer(log, 3))(scope(), no_body, slow_send))
    await asyncio.sleep(0.01)
    assert log == ["produced 0"]
    gate.set()
    await task
    assert log == ["produced 0", "produced 1", "produced 2"]


async def test_stream_for_a_client_without_gzip_is_relayed_unchanged() -> None:
    """Without gzip in Accept-Encoding the chunks pass as they are, with Vary added."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await GZipMiddleware(producer([], 2))(scope(b"identity"), no_body, send)
    assert [m.get("body") for m in sent[1:]] == [BIG, BIG, b""]
    assert Headers(raw=sent[0]["headers"])["vary"] == "Accept-Encoding"
