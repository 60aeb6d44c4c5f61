"""The examples of docs/builtin-middleware.md behave as the page says.

Covers mw_cors.py, mw_gzip.py, mw_trustedhost.py, mw_production.py, mw_https.py,
mw_requestid.py, mw_accesslog.py and mw_stack.py.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from types import ModuleType

import pytest
from _loading import docs_example

from schooner import App
from schooner.testing import AsyncTestClient, TestClient

DOCS = Path(__file__).resolve().parents[2] / "examples" / "docs"
SPA = "https://app.example.com"


def load(name: str) -> ModuleType:
    """Import examples/docs/<name>.py afresh under a private name."""
    return docs_example(name, "mw_example")


def app_of(name: str) -> App:
    """The ``app`` of an example."""
    app = load(name).app
    assert isinstance(app, App)
    return app


# -- mw_cors.py ------------------------------------------------------------------------------


def test_cors_preflight_and_actual_request() -> None:
    """The SPA's preflight for DELETE is answered; its GET may read the response."""
    with TestClient(app_of("mw_cors")) as client:
        preflight = client.options(
            "/orders/1",
            headers={
                "origin": SPA,
                "access-control-request-method": "DELETE",
                "access-control-request-headers": "authorization",
            },
        )
        actual = client.get("/orders", headers={"origin": SPA})
        preview = client.get("/orders", headers={"origin": "https://pr-12.preview.example.com"})
        other = client.options(
            "/orders/1",
            headers={"origin": "https://evil.example", "access-control-request-method": "DELETE"},
        )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SPA
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert preflight.headers["access-control-allow-methods"] == "GET, POST, PATCH, DELETE"
    assert preflight.headers["access-control-max-age"] == "3600"
    assert actual.json() == [{"id": 1}, {"id": 2}]
    assert actual.headers["access-control-allow-origin"] == SPA
    assert actual.headers["access-control-expose-headers"] == "X-Total-Count"
    assert actual.headers["vary"] == "Origin"
    assert preview.headers["access-control-allow-origin"] == "https://pr-12.preview.example.com"
    assert other.status_code == 400
    assert other.text == "CORS preflight refused: origin 'https://evil.example' is not allowed."


# -- mw_gzip.py ------------------------------------------------------------------------------


async def test_gzip_example() -> None:
    """Big JSON and the CSV stream are compressed; the small ping is not."""
    async with AsyncTestClient(app_of("mw_gzip")) as client:
        ships = await client.get("/ships", headers={"accept-encoding": "gzip"})
        csv = await client.get("/manifest.csv", headers={"accept-encoding": "gzip"})
        ping = await client.get("/ping", headers={"accept-encoding": "gzip"})
        plain = await client.get("/ships", headers={"accept-encoding": "identity"})
    assert ships.headers["content-encoding"] == "gzip"
    assert int(ships.headers["content-length"]) < len(ships.content) / 3
    assert ships.json()[149] == {"id": 149, "name": "Ship 149", "crew": 20 + 149 % 7}
    assert csv.headers["content-encoding"] == "gzip"
    assert "content-length" not in csv.headers
    assert csv.text.splitlines()[-1] == "999,Crate 999"
    assert "content-encoding" not in ping.headers
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"


# -- mw_trustedhost.py, mw_production.py -----------------------------------------------------


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("www.example.com", 200),
        ("eu.api.example.com", 200),
        ("localhost:8000", 200),
        ("api.example.com", 400),
        ("example.com", 308),
        ("evil.com", 400),
    ],
)
def test_trusted_host_example(host: str, status: int) -> None:
    """Listed hosts are served, the bare domain goes to www, others get a 400."""
    with TestClient(app_of("mw_trustedhost")) as client:
        response = client.get("/", headers={"host": host})
    assert response.status_code == status
    if status == 308:
        assert response.headers["location"] == "http://www.example.com/"


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment variables mw_production.py documents, in an empty folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCHOONER_ENVIRONMENT", "production")
    monkeypatch.setenv("SCHOONER_ALLOWED_HOSTS", "shop.example.com,www.shop.example.com")
    monkeypatch.setenv("SCHOONER_SECRET_KEY", "s" * 48)


@pytest.mark.usefixtures("production_env")
def test_production_checks_hosts() -> None:
    """With production settings, unknown hosts are refused without any middleware declared."""
    with TestClient(app_of("mw_production"), base_url="https://shop.example.com") as client:
        assert client.get("/").json() == {"shop": "open"}
        assert client.get("/", headers={"host": "www.shop.example.com"}).status_code == 200
        refused = client.get("/", headers={"host": "203.0.113.7"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "The host '203.0.113.7' is not served here."


@pytest.mark.usefixtures("production_env")
def test_production_chain_shows_the_host_check() -> None:
    """`schooner middleware` lists TrustedHostMiddleware right inside the error layer."""
    from click.testing import CliRunner

    from schooner.cli import main

    result = CliRunner().invoke(main, ["middleware", str(DOCS / "mw_production.py")])
    assert result.exit_code == 0, result.output
    assert result.output == (DOCS / "mw_production.txt").read_text()
    assert result.output.splitlines()[1:3] == [
        "1. ServerErrorMiddleware",
        "2. └─ TrustedHostMiddleware",
    ]


# -- mw_https.py -----------------------------------------------------------------------------


def test_https_example() -> None:
    """http:// is sent to https:// with 308; over HTTPS the handler answers."""
    with TestClient(app_of("mw_https"), base_url="http://example.com") as client:
        redirected = client.post("/checkout?cart=7")
    assert redirected.status_code == 308
    assert redirected.headers["location"] == "https://example.com/checkout?cart=7"
    with TestClient(app_of("mw_https"), base_url="https://example.com") as client:
        assert client.post("/checkout").json() == {"paid": True}


# -- mw_requestid.py -------------------------------------------------------------------------


def test_request_id_example(caplog: pytest.LogCaptureFixture) -> None:
    """The handler, its dependency, the log record and the response share one id."""
    with (
        caplog.at_level(logging.INFO, logger="shop.payments"),
        TestClient(app_of("mw_requestid")) as client,
    ):
        given = client.post("/payments", headers={"x-request-id": "lb-7f3a"})
        made = client.post("/payments")
    assert given.json() == {"request_id": "lb-7f3a", "forwarded": "lb-7f3a"}
    assert given.headers["x-request-id"] == "lb-7f3a"
    rid = made.headers["x-request-id"]
    assert made.json() == {"request_id": rid, "forwarded": rid}
    assert [r.request_id for r in caplog.records if r.name == "shop.payments"] == ["lb-7f3a", rid]


# -- mw_accesslog.py -------------------------------------------------------------------------


def test_access_log_example_as_json() -> None:
    """The JSON handler writes one object per request with the documented fields."""
    module = load("mw_accesslog")
    stream = io.StringIO()
    logger = logging.getLogger("shop.access")
    handler = module.json_access_handler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with TestClient(module.app) as client:
            response = client.get("/items?page=1", headers={"x-request-id": "r-1"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    line = json.loads(stream.getvalue())
    assert line == {
        "client": "testclient:50000",
        "method": "GET",
        "path": "/items?page=1",
        "status": 200,
        "bytes": len(response.content),
        "duration_ms": line["duration_ms"],
        "request_id": "r-1",
    }


# -- mw_stack.py -----------------------------------------------------------------------------


def test_stack_order() -> None:
    """The layers run in the order declared, inside the error layer."""
    chain = app_of("mw_stack").middleware_chain("/")
    assert chain[:8] == [
        "ServerErrorMiddleware",
        "RequestIDMiddleware",
        "AccessLogMiddleware",
        "TrustedHostMiddleware",
        "HTTPSRedirectMiddleware",
        "CORSMiddleware",
        "GZipMiddleware",
        "ExceptionMiddleware",
    ]


def test_stack_chain_as_the_cli_prints_it() -> None:
    """`schooner middleware` prints the chain docs/builtin-middleware.md shows."""
    from click.testing import CliRunner

    from schooner.cli import main

    result = CliRunner().invoke(main, ["middleware", str(DOCS / "mw_stack.py")])
    assert result.exit_code == 0, result.output
    assert result.output == (DOCS / "mw_stack.txt").read_text()


def test_stack_behaviour(caplog: pytest.LogCaptureFixture) -> None:
    """A refused host still gets an id and a log line; a good request passes every layer."""
    with (
        caplog.at_level(logging.INFO, logger="schooner.access"),
        TestClient(app_of("mw_stack"), base_url="https://example.com") as client,
    ):
        ok = client.get("/", headers={"origin": SPA})
        refused = client.get("/", headers={"host": "evil.com"})
        insecure = client.get("http://example.com/")
    assert ok.json() == {"ok": True}
    assert ok.headers["access-control-allow-origin"] == SPA
    assert refused.status_code == 400
    assert refused.headers["x-request-id"]
    assert insecure.status_code == 308
    statuses = [r.status for r in caplog.records if r.name == "schooner.access"]
    assert statuses == [200, 400, 308]
