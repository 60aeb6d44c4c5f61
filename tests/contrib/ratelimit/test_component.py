"""RateLimit end to end: 429 answers, headers, defaults, exemptions, keys, proxies, websockets."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from schooner import App, Request
from schooner.contrib.cache import Cache, cache_response
from schooner.contrib.ratelimit import RateLimit, RateLimiter, rate_limit, rate_limit_exempt
from schooner.exceptions import HTTPException, ImproperlyConfigured
from schooner.testing import TestClient, WebSocketRejected
from schooner.websockets import WebSocket


def limited_app(component: RateLimit | None = None, *more: Any) -> App:
    """An app with a limited route, an unlimited one and a websocket."""
    app = App(components=[component or RateLimit(), *more])

    @app.get("/limited", meta=[rate_limit("2/minute")])
    async def limited() -> str:
        return "ok"

    @app.get("/multi", meta=[rate_limit("3/minute"), rate_limit("2/hour")])
    async def multi() -> str:
        return "ok"

    @app.get("/free")
    async def free() -> str:
        return "free"

    @app.get("/health", meta=[rate_limit_exempt])
    async def health() -> str:
        return "up"

    @app.get(
        "/per-user",
        meta=[rate_limit("1/minute", key=lambda request: request.headers.get("x-user", "anon"))],
    )
    async def per_user() -> str:
        return "ok"

    @app.websocket("/ws", meta=[rate_limit("1/minute")])
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text("hi")
        await socket.close()

    return app


def test_exceeding_a_route_limit_answers_429_problem() -> None:
    """The third request on 2/minute is a 429 problem with Retry-After and RateLimit-*."""
    with TestClient(limited_app()) as client:
        first = client.get("/limited")
        second = client.get("/limited")
        refused = client.get("/limited")
    assert first.status_code == second.status_code == 200
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["status"] == 429
    assert problem["title"] == "Too Many Requests"
    assert "limit is 2" in problem["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-limit"] == "2"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 0 < int(refused.headers["ratelimit-reset"]) <= 60


def test_allowed_responses_carry_ratelimit_headers() -> None:
    """Successful limited responses count down RateLimit-Remaining; no Retry-After."""
    with TestClient(limited_app()) as client:
        first = client.get("/limited")
        second = client.get("/limited")
    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-remaining"] == "1"
    assert second.headers["ratelimit-remaining"] == "0"
    assert "retry-after" not in first.headers


def test_headers_can_be_turned_off_for_allowed_responses() -> None:
    """headers=False leaves allowed responses alone; a 429 still explains itself."""
    with TestClient(limited_app(RateLimit(headers=False))) as client:
        assert "ratelimit-limit" not in client.get("/limited").headers
        client.get("/limited")
        assert client.get("/limited").headers["ratelimit-limit"] == "2"


def test_stacked_limits_all_apply() -> None:
    """3/minute and 2/hour on one route: the hour limit refuses the third request."""
    with TestClient(limited_app()) as client:
        first = client.get("/multi")
        client.get("/multi")
        refused = client.get("/multi")
    assert first.headers["ratelimit-limit"] == "2"  # the tightest is reported
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 60


def test_unlimited_routes_are_untouched_without_a_default() -> None:
    """With no default limit, routes without @rate_limit are never limited."""
    with TestClient(limited_app()) as client:
        responses = [client.get("/free") for _ in range(5)]
    assert all(r.status_code == 200 for r in responses)
    assert "ratelimit-limit" not in responses[0].headers


def test_default_limit_applies_to_other_routes_and_404s() -> None:
    """The default limit covers undecorated routes and unknown paths, counted together."""
    with TestClient(limited_app(RateLimit(default="3/minute"))) as client:
        assert client.get("/free").status_code == 200
        assert client.get("/nowhere").status_code == 404
        assert client.get("/free").headers["ratelimit-remaining"] == "0"
        assert client.get("/free").status_code == 429
        # Routes with their own limit keep it, and exempt routes are never limited.
        assert client.get("/limited").status_code == 200
        assert client.get("/health").status_code == 200


def test_exempt_paths_are_never_limited() -> None:
    """exempt_paths patterns skip every limit, the default and the route's own."""
    component = RateLimit(default="1/minute", exempt_paths=["/limited", "/static/*"])
    with TestClient(limited_app(component)) as client:
        assert all(client.get("/limited").status_code == 200 for _ in range(4))
        assert client.get("/free").status_code == 200
        assert client.get("/free").status_code == 429


def test_clients_are_counted_by_address() -> None:
    """Two client addresses have separate counters."""
    app = limited_app()
    with (
        TestClient(app, client=("198.51.100.1", 1000)) as one,
        TestClient(app, client=("198.51.100.2", 1000)) as two,
    ):
        one.get("/limited")
        one.get("/limited")
        assert one.get("/limited").status_code == 429
        assert two.get("/limited").status_code == 200


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    """A client cannot dodge its limit by inventing X-Forwarded-For addresses."""
    component = RateLimit(trusted_proxies=["10.0.0.0/8"])
    with TestClient(limited_app(component), client=("203.0.113.50", 1)) as client:
        statuses = [
            client.get("/limited", headers={"X-Forwarded-For": f"1.2.3.{n}"}).status_code
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]


def test_trusted_proxy_forwarded_for_names_the_client() -> None:
    """Behind a trusted proxy, each forwarded client gets its own counter."""
    component = RateLimit(trusted_proxies=["10.0.0.0/8"])
    with TestClient(limited_app(component), client=("10.0.0.2", 1)) as proxy:
        alice = {"X-Forwarded-For": "203.0.113.1"}
        bob = {"X-Forwarded-For": "203.0.113.2"}
        assert proxy.get("/limited", headers=alice).status_code == 200
        assert proxy.get("/limited", headers=alice).status_code == 200
        assert proxy.get("/limited", headers=alice).status_code == 429
        assert proxy.get("/limited", headers=bob).status_code == 200
        # Alice prepending a fake address changes nothing: the right-most untrusted wins.
        spoof = {"X-Forwarded-For": "9.9.9.9, 203.0.113.1"}
        assert proxy.get("/limited", headers=spoof).status_code == 429


def test_custom_key_functions() -> None:
    """A route's key function (here a user header) decides who shares a counter."""
    with TestClient(limited_app()) as client:
        assert client.get("/per-user", headers={"X-User": "ada"}).status_code == 200
        assert client.get("/per-user", headers={"X-User": "ada"}).status_code == 429
        assert client.get("/per-user", headers={"X-User": "bob"}).status_code == 200


def test_component_key_function_may_be_async() -> None:
    """RateLimit(key=async fn) keys every limit by its answer."""

    async def account(request: Request) -> str:
        return request.headers.get("x-account", "none")

    with TestClient(limited_app(RateLimit(key=account))) as client:
        client.get("/limited", headers={"X-Account": "1"})
        client.get("/limited", headers={"X-Account": "1"})
        assert client.get("/limited", headers={"X-Account": "1"}).status_code == 429
        assert client.get("/limited", headers={"X-Account": "2"}).status_code == 200


def test_websocket_handshakes_are_limited() -> None:
    """Past the limit, a websocket handshake is refused with a 429 problem."""
    with TestClient(limited_app()) as client:
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_text() == "hi"
        with pytest.raises(WebSocketRejected) as refused, client.websocket_connect("/ws"):
            pass
    assert refused.value.status_code == 429
    assert refused.value.json()["status"] == 429
    assert refused.value.headers["retry-after"]


def test_handlers_use_the_limiter_directly() -> None:
    """A login handler limits attempts per address with the injected RateLimiter."""
    app = App(components=[RateLimit()])

    @app.post("/login")
    async def login(request: Request, limiter: RateLimiter) -> dict[str, int]:
        result = await limiter.hit("login:" + limiter.client_address(request), "2/minute")
        if not result.allowed:
            raise HTTPException(429, "Too many attempts.", headers=result.headers())
        return {"remaining": result.remaining}

    with TestClient(app) as client:
        assert client.post("/login").json() == {"remaining": 1}
        assert client.post("/login").json() == {"remaining": 0}
        refused = client.post("/login")
    assert refused.status_code == 429
    assert refused.headers["retry-after"]


@pytest.mark.parametrize("cache_first", [True, False])
def test_cache_hits_still_count_against_limits(cache_first: bool) -> None:
    """Rate limiting sits outside response caching, whatever the component order."""
    counter = itertools.count(1)
    app = App(components=[Cache(), RateLimit()] if cache_first else [RateLimit(), Cache()])

    @app.get("/cached", meta=[rate_limit("2/minute"), cache_response(ttl=60)])
    async def cached() -> dict[str, int]:
        return {"n": next(counter)}

    with TestClient(app) as client:
        assert client.get("/cached").headers["x-cache"] == "miss"
        assert client.get("/cached").headers["x-cache"] == "hit"
        assert client.get("/cached").status_code == 429
    assert app.middleware_chain("/cached").index("RateLimitMiddleware") < (
        app.middleware_chain("/cached").index("ResponseCacheMiddleware")
    )


def test_invalid_limits_fail_at_declaration() -> None:
    """A bad limit string is an error when the decorator or component is created."""
    with pytest.raises(ImproperlyConfigured):
        rate_limit("lots")
    with pytest.raises(ImproperlyConfigured):
        RateLimit(default="1 per fortnight")
