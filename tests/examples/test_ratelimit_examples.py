"""The examples of docs/ratelimit.md behave as the page says.

Covers ratelimit_basic.py, ratelimit_keys.py, ratelimit_login.py and ratelimit_redis.py.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import ModuleType

import pytest
from _loading import REDIS_URL, docs_example

from schooner.contrib.ratelimit import RateLimit
from schooner.testing import TestClient

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"


def load(name: str) -> ModuleType:
    """Import examples/docs/<name>.py afresh under a private name."""
    return docs_example(name, "rl_example")


def test_basic_limits() -> None:
    """ratelimit_basic.py: 2/second on search, exempt health checks, the default elsewhere."""
    with TestClient(load("ratelimit_basic").app, client=("10.1.2.3", 1)) as proxy:
        alice = {"X-Forwarded-For": "203.0.113.7"}
        assert proxy.get("/search?q=a", headers=alice).status_code == 200
        assert proxy.get("/search?q=a", headers=alice).status_code == 200
        refused = proxy.get("/search?q=a", headers=alice)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"
        bob = {"X-Forwarded-For": "203.0.113.8"}
        assert proxy.get("/search?q=b", headers=bob).status_code == 200
        assert all(proxy.get("/healthz").status_code == 200 for _ in range(70))
        feed = proxy.get("/feed", headers=alice)
        assert feed.headers["ratelimit-limit"] == "60"
        assert feed.headers["ratelimit-remaining"] == "59"


def test_key_functions() -> None:
    """ratelimit_keys.py: API keys count separately; keyless callers share their address."""
    with TestClient(load("ratelimit_keys").app) as client:
        for _ in range(3):
            assert client.get("/reports", headers={"X-API-Key": "k1"}).status_code == 200
        assert client.get("/reports", headers={"X-API-Key": "k1"}).status_code == 429
        assert client.get("/reports", headers={"X-API-Key": "k2"}).status_code == 200
        assert client.get("/reports").status_code == 200
        assert client.post("/exports", headers={"X-API-Key": "k1"}).status_code == 200
        assert client.post("/exports", headers={"X-API-Key": "k1"}).status_code == 429


def test_login_limiter() -> None:
    """ratelimit_login.py: five wrong passwords a minute, then 429; success resets."""
    with TestClient(load("ratelimit_login").app) as client:
        wrong = {"email": "ada@example.com", "password": "guess"}
        right = {"email": "ada@example.com", "password": "correct horse"}
        assert client.post("/login", json=wrong).json()["detail"].endswith("4 attempts left.")
        assert client.post("/login", json=right).json() == {"welcome": "ada@example.com"}
        statuses = [client.post("/login", json=wrong).status_code for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        assert client.post("/login", json=right).status_code == 429


@pytest.mark.parametrize(
    "spelling",
    [" ADA@example.com", "ada\u200b@example.com", "\uff41\uff44\uff41@example.com"],
    ids=["case-and-space", "zero-width-space", "full-width"],
)
def test_login_limiter_counts_every_spelling_of_an_account(spelling: str) -> None:
    """ratelimit_login.py: another spelling of the same address gets no fresh budget."""
    with TestClient(load("ratelimit_login").app) as client:
        for _ in range(5):
            wrong = client.post("/login", json={"email": "ada@example.com", "password": "x"})
            assert wrong.status_code == 401
        again = client.post("/login", json={"email": spelling, "password": "x"})
        assert again.status_code == 429, again.text


def test_redis_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """ratelimit_redis.py: two instances share ten orders a minute per client."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not available: {exc} (CI=true: it must be)", pytrace=False)
        pytest.skip(f"Redis is not available: {exc}")
    import uuid

    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    first, second = load("ratelimit_redis"), load("ratelimit_redis")
    address = (f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 1)
    component = first.app.component(RateLimit)
    assert component is not None
    limiter = component.limiter
    try:
        with (
            TestClient(first.app, client=address) as a,
            TestClient(second.app, client=address) as b,
        ):
            statuses = [(a if n % 2 else b).post("/orders").status_code for n in range(11)]
            assert statuses == [200] * 10 + [429]
    finally:
        import asyncio

        async def forget() -> None:
            await limiter.storage.reset()
            await limiter.aclose()

        asyncio.run(forget())
