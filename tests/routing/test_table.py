"""Tests for the route table: one matcher for the router, middleware, the CLI and url_for."""
# No "from __future__ import annotations": handlers here refer to local names.

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schooner import App, Router
from schooner.routing import RouteMatch, TrailingSlash
from schooner.testing import TestClient
from schooner.types import Message, Receive, Scope, Send

POLICIES: tuple[TrailingSlash, ...] = ("redirect", "strict", "ignore")


class Tag:
    """Route metadata used by these tests."""

    def __init__(self, value: str) -> None:
        self.value = value


async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
    """A plain ASGI app that names itself."""
    body = f"mount {scope['root_path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def build(policy: TrailingSlash) -> App:
    """An app with static, dynamic, namespaced, websocket-only and mounted paths."""
    app = App(trailing_slash=policy, openapi=None)
    api = Router(prefix="/api", meta=[Tag("api")])
    polls = Router(prefix="/polls", namespace="polls")

    @app.get("/")
    async def home() -> str:
        return "home"

    @app.post("/form")
    async def form() -> str:
        return "form"

    @app.get("/dir/")
    async def directory() -> str:
        return "directory"

    @api.get("/items/{item_id:int}", meta=[Tag("item")])
    async def item(item_id: int) -> str:
        return "item"

    @api.put("/items/{other:int}")
    async def replace(other: int) -> str:
        return "replace"

    @api.get("/items/{name}")
    async def named(name: str) -> str:
        return "named"

    @polls.get("/{poll_id:int}/", name="detail")
    async def detail(poll_id: int) -> str:
        return "polls:detail"

    @app.websocket("/live")
    async def live() -> None:
        """A websocket-only path."""

    app.include(api)
    app.include(polls)
    app.mount("/static", mounted)
    return app


async def call(app: App, method: str, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    """Serve one request through the whole ASGI app; return status, headers and body."""
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    await app(scope_for(method, path), receive, send)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], dict(start.get("headers", [])), body


def scope_for(method: str, path: str) -> Scope:
    """An HTTP scope for ``method path`` (the raw path as a client sent it)."""
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "scheme": "http",
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }


def expected(found: RouteMatch) -> tuple[int, str | None]:
    """What the router must answer for the table's decision: status and body (if known)."""
    if found.kind == "route":
        assert found.route is not None
        name = found.route.name
        return 200, name
    if found.kind == "mount":
        return 200, None
    return {
        "redirect": (308, None),
        "options": (204, None),
        "not_found": (404, None),
        "method_not_allowed": (405, None),
        "upgrade_required": (426, None),
        "bad_request": (400, None),
    }[found.kind]


SEGMENTS = st.sampled_from(
    ["", "form", "dir", "api", "items", "polls", "live", "static", "7", "x", "%41", "%ff", "ü"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=st.sampled_from(POLICIES),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
    segments=st.lists(SEGMENTS, min_size=0, max_size=4),
    slash=st.booleans(),
)
def test_the_dispatcher_and_the_lookup_agree(
    policy: TrailingSlash, method: str, segments: list[str], slash: bool
) -> None:
    """For generated paths, what route_table.match says is what the router does."""
    app = APPS[policy]
    path = "/" + "/".join(segments) + ("/" if slash and segments else "")
    found = app.route_table.match(scope_for(method, path))
    status, headers, body = asyncio.run(call(app, method, path))
    want_status, want_body = expected(found)
    assert status == want_status, (found, body)
    if found.kind == "route" and method != "HEAD":
        assert body.decode() == want_body
    if found.kind == "mount":
        assert body.startswith(b"mount /static")
    if found.kind == "redirect":
        assert headers[b"location"].decode() == found.location


APPS = {policy: build(policy) for policy in POLICIES}


@pytest.mark.parametrize(
    ("policy", "method", "path", "kind", "name"),
    [
        ("ignore", "POST", "/form/", "route", "form"),
        ("ignore", "GET", "/dir", "route", "directory"),
        ("redirect", "POST", "/form/", "redirect", None),
        ("strict", "POST", "/form/", "not_found", None),
        ("redirect", "POST", "/api/items/3", "method_not_allowed", None),
        ("redirect", "POST", "/live", "upgrade_required", None),
        ("redirect", "POST", "/static/app.css", "mount", None),
        ("redirect", "POST", "/%ff", "bad_request", None),
        ("redirect", "HEAD", "/", "route", "home"),
        ("redirect", "OPTIONS", "/", "options", None),
    ],
)
def test_match_decisions(
    policy: TrailingSlash, method: str, path: str, kind: str, name: str | None
) -> None:
    """The table names the route the router serves, trailing-slash policy included."""
    found = APPS[policy].route_table.match(scope_for(method, path))
    assert found.kind == kind
    assert (found.route.name if found.route else None) == name


def test_match_gives_path_parameters_under_the_serving_routes_names() -> None:
    """Two routes sharing a shape keep their own parameter names."""
    table = APPS["redirect"].route_table
    assert table.match(scope_for("GET", "/api/items/5")).params == {"item_id": 5}
    assert table.match(scope_for("PUT", "/api/items/5")).params == {"other": 5}


def test_match_is_kept_in_the_scope() -> None:
    """Several layers asking about one request match its path once."""
    scope = scope_for("GET", "/")
    table = APPS["redirect"].route_table
    assert table.match(scope) is table.match(scope)


def test_route_metadata_routers_first_route_last() -> None:
    """find() gives the most specific item, find_all() every one, outermost first."""
    found = APPS["redirect"].route_table.match(scope_for("GET", "/api/items/1"))
    assert found.route is not None
    assert found.route.find(Tag).value == "item"  # type: ignore[union-attr]
    assert [t.value for t in found.route.find_all(Tag)] == ["api", "item"]
    assert found.route.find(int) is None


def test_namespaced_names() -> None:
    """Routes of a namespaced router are named namespace:name; nesting chains namespaces."""
    app = App(openapi=None)
    inner = Router(prefix="/results", namespace="results")

    @inner.get("/{poll_id:int}")
    async def show(poll_id: int) -> int:
        return poll_id

    outer = Router(prefix="/polls")
    outer.include(inner)
    app.include(outer, namespace="polls")
    assert app.url_path_for("polls:results:show", poll_id=3) == "/polls/results/3"
    assert APPS["redirect"].url_path_for("polls:detail", poll_id=2) == "/polls/2/"
    with pytest.raises(LookupError, match="Did you mean 'polls:results:show'"):
        app.url_path_for("show", poll_id=3)


def test_namespaces_keep_equal_names_apart() -> None:
    """Two routers may both have a route named 'index' when their namespaces differ."""
    app = App(openapi=None)
    for space in ("blog", "shop"):
        router = Router(prefix=f"/{space}", namespace=space)

        @router.get("/")
        async def index() -> str:
            return "index"

        app.include(router)
    assert app.url_path_for("blog:index") == "/blog/"
    assert app.url_path_for("shop:index") == "/shop/"


@pytest.mark.parametrize("bad", ["", "a:b", "a/b"])
def test_bad_namespaces_are_refused(bad: str) -> None:
    """A namespace is a plain name."""
    from schooner.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="Namespace"):
        Router(namespace=bad)


@pytest.mark.parametrize(
    ("policy", "path", "method", "last"),
    [
        ("ignore", "/form/", "POST", "test_table.build.<locals>.form"),
        ("redirect", "/form/", "POST", "308 Permanent Redirect -> /form"),
        ("redirect", "/form", "OPTIONS", "204 No Content (Allow: OPTIONS, POST)"),
        ("redirect", "/live", "GET", "426 Upgrade Required (a WebSocket endpoint)"),
        ("strict", "/form/", "POST", "404 Not Found"),
    ],
)
def test_middleware_chain_follows_the_table(
    policy: TrailingSlash, path: str, method: str, last: str
) -> None:
    """schooner middleware --path shows what the router does, slash variants included."""
    chain = APPS[policy].middleware_chain(path, method)
    assert chain[-1].endswith(last)


def test_the_cli_traces_a_slash_variant(tmp_path: Any) -> None:
    """`schooner middleware --path /form/` names the route the router serves (not a 404)."""
    from click.testing import CliRunner

    from schooner.cli import main

    app_file = tmp_path / "slash_variant_app.py"  # a name no other test imports
    app_file.write_text(
        "from schooner import App\n"
        "app = App(trailing_slash='ignore')\n"
        "@app.post('/form')\n"
        "async def form() -> str:\n"
        "    return 'form'\n"
    )
    args = ["--app", str(app_file), "middleware", "--path", "/form/", "--method", "POST"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(".form")
    assert "404" not in result.output


def test_websocket_lookups() -> None:
    """A handshake matches the websocket route; on an HTTP-only path it is a 404."""
    table = APPS["redirect"].route_table
    live: dict[str, Any] = {**scope_for("GET", "/live"), "type": "websocket"}
    assert table.match(live).kind == "route"
    form: dict[str, Any] = {**scope_for("GET", "/form"), "type": "websocket"}
    assert table.match(form).kind == "not_found"


def test_the_client_sees_the_same_route() -> None:
    """Through the test client, a slash variant under 'ignore' reaches the declared route."""
    with TestClient(APPS["ignore"]) as client:
        assert client.post("/form/").text == "form"
