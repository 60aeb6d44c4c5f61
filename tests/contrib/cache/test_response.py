"""Response caching: opt-in per route, Cache-Control, Vary, cookies, Age and X-Cache."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from typing import Annotated

import pytest

from schooner import App
from schooner.contrib.cache import Cache, cache_response
from schooner.contrib.sessions import Session, Sessions
from schooner.di import Header
from schooner.http import PlainTextResponse, Response, StreamingResponse
from schooner.testing import TestClient


def cached_app(cache: Cache | None = None) -> App:
    """An app whose routes answer with a counter, so a cached answer shows an old number."""
    app = App(components=[cache or Cache()])
    counter = itertools.count(1)

    @app.get("/page", meta=[cache_response(ttl=60)])
    async def page() -> dict[str, int]:
        return {"n": next(counter)}

    @app.get("/plain")
    async def plain() -> dict[str, int]:
        return {"n": next(counter)}

    @app.get("/no-store", meta=[cache_response(ttl=60)])
    async def no_store() -> Response:
        return PlainTextResponse(str(next(counter)), headers={"Cache-Control": "no-store"})

    @app.get("/private", meta=[cache_response(ttl=60)])
    async def private() -> Response:
        return PlainTextResponse(str(next(counter)), headers={"Cache-Control": "private"})

    @app.get("/cookie", meta=[cache_response(ttl=60)])
    async def cookie() -> Response:
        response = PlainTextResponse(str(next(counter)))
        response.set_cookie("seen", "yes")
        return response

    @app.get("/lang", meta=[cache_response(ttl=60)])
    async def lang(accept_language: Annotated[str, Header()] = "en") -> Response:
        body = f"{accept_language}:{next(counter)}"
        return PlainTextResponse(body, headers={"Vary": "Accept-Language"})

    @app.get("/vary-star", meta=[cache_response(ttl=60)])
    async def vary_star() -> Response:
        return PlainTextResponse(str(next(counter)), headers={"Vary": "*"})

    @app.get("/missing", meta=[cache_response(ttl=60)])
    async def missing() -> Response:
        return PlainTextResponse(str(next(counter)), status_code=404)

    @app.get("/gone", meta=[cache_response(ttl=60, statuses=(200, 410))])
    async def gone() -> Response:
        return PlainTextResponse(str(next(counter)), status_code=410)

    @app.get("/stream", meta=[cache_response(ttl=60)])
    async def stream() -> StreamingResponse:
        number = next(counter)

        async def chunks() -> AsyncIterator[bytes]:
            yield b"part-"
            yield str(number).encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/short", meta=[cache_response(ttl=60)])
    async def short() -> Response:
        return PlainTextResponse(str(next(counter)), headers={"Cache-Control": "max-age=0"})

    @app.post("/page")
    async def post_page() -> dict[str, int]:
        return {"n": next(counter)}

    return app


def test_second_get_is_served_from_the_cache() -> None:
    """The first GET is a miss; the next is a hit with the same status, headers and body."""
    with TestClient(cached_app()) as client:
        first = client.get("/page")
        second = client.get("/page")
    assert first.headers["x-cache"] == "miss"
    assert "age" not in first.headers
    assert second.headers["x-cache"] == "hit"
    assert second.json() == first.json() == {"n": 1}
    assert second.status_code == 200
    assert second.headers["content-type"] == first.headers["content-type"]
    assert int(second.headers["age"]) >= 0


def test_age_counts_seconds_since_the_response_was_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Age is the whole seconds between storing and serving (RFC 9111 §5.1)."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    with TestClient(cached_app()) as client:
        client.get("/page")
        now[0] += 42.5
        assert client.get("/page").headers["age"] == "42"


def test_routes_without_the_decorator_are_not_cached() -> None:
    """Caching is opt-in: an undecorated route runs every time and gets no X-Cache."""
    with TestClient(cached_app()) as client:
        assert client.get("/plain").json() == {"n": 1}
        response = client.get("/plain")
    assert response.json() == {"n": 2}
    assert "x-cache" not in response.headers


def test_query_strings_are_part_of_the_key() -> None:
    """/page?a=1 and /page?a=2 are different entries."""
    with TestClient(cached_app()) as client:
        assert client.get("/page?a=1").json() == {"n": 1}
        assert client.get("/page?a=2").json() == {"n": 2}
        assert client.get("/page?a=1").json() == {"n": 1}


def test_head_is_answered_from_the_get_entry() -> None:
    """A HEAD after a GET is a hit with the GET's headers and no body."""
    with TestClient(cached_app()) as client:
        client.get("/page")
        head = client.head("/page")
    assert head.headers["x-cache"] == "hit"
    assert head.content == b""


def test_other_methods_pass_through() -> None:
    """A POST to the same path is not cached and does not disturb the GET entry."""
    with TestClient(cached_app()) as client:
        client.get("/page")
        assert client.post("/page").json() == {"n": 2}
        assert client.get("/page").json() == {"n": 1}


def test_response_that_sets_a_cookie_is_never_cached() -> None:
    """A Set-Cookie response is one visitor's: every request runs the handler again."""
    with TestClient(cached_app()) as client:
        first = client.get("/cookie")
        second = client.get("/cookie")
    assert first.text == "1"
    assert second.text == "2"
    assert second.headers["x-cache"] == "miss"
    assert "set-cookie" in second.headers


@pytest.mark.parametrize("cache_first", [True, False])
def test_session_responses_are_not_shared_between_visitors(cache_first: bool) -> None:
    """With sessions (listed before or after), session pages are never shared."""
    sessions = Sessions(secret_keys=["k" * 40])
    app = App(components=[Cache(), sessions] if cache_first else [sessions, Cache()])

    @app.get("/me", meta=[cache_response(ttl=60)])
    async def me(session: Session) -> dict[str, int]:
        session["visits"] = session.get("visits", 0) + 1
        return {"visits": session["visits"]}

    with TestClient(app) as alice, TestClient(app) as bob:
        assert alice.get("/me").json() == {"visits": 1}
        assert alice.get("/me").json() == {"visits": 2}
        assert bob.get("/me").json() == {"visits": 1}
    chain = app.middleware_chain("/me")
    assert chain.index("ResponseCacheMiddleware") < chain.index("SessionMiddleware")


def test_no_store_and_private_responses_are_not_cached() -> None:
    """Cache-Control: no-store or private on the response keeps it out of the cache."""
    with TestClient(cached_app()) as client:
        assert client.get("/no-store").text == "1"
        assert client.get("/no-store").text == "2"
        assert client.get("/private").text == "3"
        assert client.get("/private").text == "4"


def test_max_age_zero_is_not_stored() -> None:
    """A response that says max-age=0 is stale at once, so it is not kept."""
    with TestClient(cached_app()) as client:
        assert client.get("/short").text == "1"
        assert client.get("/short").text == "2"


def test_request_no_cache_bypasses_the_cache_and_refreshes_it() -> None:
    """Cache-Control: no-cache on the request runs the handler; its answer is stored."""
    with TestClient(cached_app()) as client:
        client.get("/page")
        fresh = client.get("/page", headers={"Cache-Control": "no-cache"})
        assert fresh.json() == {"n": 2}
        assert fresh.headers["x-cache"] == "miss"
        assert client.get("/page").json() == {"n": 2}
        assert client.get("/page", headers={"Cache-Control": "no-store"}).json() == {"n": 3}
        assert client.get("/page").json() == {"n": 2}  # no-store: the fresh one wasn't kept


def test_vary_splits_entries_by_the_named_request_headers() -> None:
    """Vary: Accept-Language keeps one entry per language."""
    with TestClient(cached_app()) as client:
        english = client.get("/lang", headers={"Accept-Language": "en"})
        french = client.get("/lang", headers={"Accept-Language": "fr"})
        english_again = client.get("/lang", headers={"Accept-Language": "en"})
        french_again = client.get("/lang", headers={"Accept-Language": "fr"})
    assert english.text == "en:1"
    assert french.text == "fr:2"
    assert french.headers["x-cache"] == "miss"
    assert english_again.text == "en:1"
    assert english_again.headers["x-cache"] == "hit"
    assert french_again.text == "fr:2"


def test_vary_star_is_never_cached() -> None:
    """Vary: * means no two requests are alike."""
    with TestClient(cached_app()) as client:
        assert client.get("/vary-star").text == "1"
        assert client.get("/vary-star").text == "2"


def test_authorized_requests_do_not_share_entries() -> None:
    """A request with Authorization neither reads nor writes entries that don't vary on it."""
    with TestClient(cached_app()) as client:
        assert client.get("/page", headers={"Authorization": "Bearer a"}).json() == {"n": 1}
        assert client.get("/page").json() == {"n": 2}
        assert client.get("/page", headers={"Authorization": "Bearer b"}).json() == {"n": 3}
        assert client.get("/page").json() == {"n": 2}


def test_only_configured_statuses_are_cached() -> None:
    """404 is not stored by default; statuses=(200, 410) stores a 410."""
    with TestClient(cached_app()) as client:
        assert client.get("/missing").text == "1"
        assert client.get("/missing").text == "2"
        assert client.get("/gone").text == "3"
        gone = client.get("/gone")
    assert gone.text == "3"
    assert gone.status_code == 410
    assert gone.headers["x-cache"] == "hit"


def test_streaming_responses_pass_through_uncached() -> None:
    """A streamed body reaches the client whole and is not stored."""
    with TestClient(cached_app()) as client:
        first = client.get("/stream")
        second = client.get("/stream")
    assert first.text == "part-1"
    assert second.text == "part-2"
    assert second.headers["x-cache"] == "miss"


def test_clear_drops_cached_responses() -> None:
    """cache.clear() empties response entries too."""
    app = cached_app()

    @app.post("/clear")
    async def clear(cache: Cache) -> None:
        await cache.clear()

    with TestClient(app) as client:
        client.get("/page")
        assert client.get("/page").headers["x-cache"] == "hit"
        client.post("/clear")
        assert client.get("/page").headers["x-cache"] == "miss"
