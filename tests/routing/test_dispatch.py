"""Tests for request dispatch: 404/405, HEAD/OPTIONS, trailing slashes, mounts, bad paths."""
# No "from __future__ import annotations": handlers here refer to local names, which
# string annotations could not resolve.

from typing import Any

import pytest

from schooner import App, Request
from schooner.routing._table import TrailingSlash
from schooner.testing import TestClient
from schooner.types import Receive, Scope, Send


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/items")
    async def items() -> list[str]:
        return ["a"]

    @app.post("/items")
    async def create() -> str:
        return "created"

    @app.get("/dir/")
    async def directory() -> str:
        return "dir"

    @app.get("/users/me")
    async def me() -> str:
        return "me"

    @app.get("/users/{name}")
    async def user(name: str) -> str:
        return f"user {name}"

    @app.get("/users/{uid:int}")
    async def user_id(uid: int) -> str:
        return f"id {uid}"

    return app


def test_404_is_problem_json() -> None:
    """An unknown path is a 404 problem document naming the path."""
    with TestClient(make_app()) as client:
        response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No route matches '/nowhere'."


def test_405_lists_allowed_methods() -> None:
    """A known path with the wrong method is a 405 with an Allow header."""
    with TestClient(make_app()) as client:
        response = client.delete("/items")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_head_uses_get_without_body() -> None:
    """HEAD is answered by the GET handler, with headers and no body."""
    with TestClient(make_app()) as client:
        response = client.head("/items")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(b'["a"]'))


def test_options_is_automatic() -> None:
    """OPTIONS answers 204 with the Allow header."""
    with TestClient(make_app()) as client:
        response = client.options("/items")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_priority_does_not_depend_on_order() -> None:
    """Static beats int beats str, whatever the declaration order."""
    with TestClient(make_app()) as client:
        assert client.get("/users/me").text == "me"
        assert client.get("/users/42").text == "id 42"
        assert client.get("/users/ada").text == "user ada"


@pytest.mark.parametrize(
    ("policy", "path", "status", "location"),
    [
        ("redirect", "/items/", 308, "/items"),
        ("redirect", "/dir", 308, "/dir/"),
        ("redirect", "/items/?q=1", 308, "/items?q=1"),
        ("strict", "/items/", 404, None),
        ("strict", "/dir", 404, None),
        ("ignore", "/items/", 200, None),
        ("ignore", "/dir", 200, None),
    ],
)
def test_trailing_slash_policy(
    policy: TrailingSlash, path: str, status: int, location: str | None
) -> None:
    """The trailing-slash policy redirects (308), refuses or serves the other form."""
    with TestClient(make_app(trailing_slash=policy), follow_redirects=False) as client:
        response = client.get(path)
    assert response.status_code == status
    assert response.headers.get("location") == location


def test_redirect_keeps_post_method() -> None:
    """308 tells clients to repeat the method and body at the canonical URL."""
    with TestClient(make_app(), follow_redirects=True) as client:
        response = client.post("/items/")
    assert response.status_code == 200
    assert response.text == "created"


@pytest.mark.parametrize(
    "raw",
    [b"/users/%zz", b"/users/%C3%28", b"/users/%E2%82", b"/users/%"],
)
def test_bad_percent_encoding_in_path_is_400(raw: bytes) -> None:
    """Invalid percent-encoding or UTF-8 in the path is a 400, never a 500."""
    with TestClient(make_app()) as client:
        response = client.get(raw.decode())
    assert response.status_code == 400
    assert "Malformed request path" in response.json()["detail"]


def test_percent_encoded_unicode_path() -> None:
    """Percent-encoded UTF-8 is decoded before matching."""
    with TestClient(make_app()) as client:
        assert client.get("/users/caf%C3%A9").text == "user café"


def test_bad_query_encoding_is_400_when_read() -> None:
    """A handler reading a query with bad percent-encoding gets a 400 response."""
    app = App()

    @app.get("/q")
    async def q(tag: str | None = None) -> str | None:
        return tag

    with TestClient(app) as client:
        assert client.get("/q?tag=%zz").status_code == 400
        assert client.get("/q?tag=%FF").status_code == 400
        assert client.get("/q?tag=a%20b").text == "a b"


async def raw_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    body = f"{scope['root_path']}|{scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_mount_asgi_app() -> None:
    """A mounted ASGI app gets the full path and a root_path extended by the prefix."""
    app = make_app()
    app.mount("/legacy", raw_asgi, name="legacy")
    with TestClient(app) as client:
        assert client.get("/legacy/a/b").text == "/legacy|/legacy/a/b"
        assert client.get("/legacy").text == "/legacy|/legacy"
        assert client.get("/legacyx").status_code == 404
    assert app.url_path_for("legacy", path="x y/z") == "/legacy/x%20y/z"


def test_mount_wsgi_app() -> None:
    """A WSGI (Flask) app mounted through a2wsgi sees its own script name and path."""
    flask = pytest.importorskip("flask")
    legacy = flask.Flask("legacy")

    @legacy.route("/hello")
    def hello() -> str:
        return f"flask {flask.request.script_root} {flask.request.path}"

    app = make_app()
    app.mount_wsgi("/flask", legacy)
    with TestClient(app) as client:
        response = client.get("/flask/hello")
    assert response.status_code == 200
    assert response.text == "flask /flask /hello"


def test_routes_win_over_mounts() -> None:
    """A route under a mount prefix is matched before the mount."""
    app = make_app()
    app.mount("/users", raw_asgi)
    with TestClient(app) as client:
        assert client.get("/users/me").text == "me"
        assert client.get("/users/a/b").text == "/users|/users/a/b"


def test_custom_converter() -> None:
    """A user converter matches, converts and builds URLs; ValueError means no match."""

    class Year:
        regex = "[0-9]{4}"
        specificity = 10

        def to_python(self, value: str) -> int:
            year = int(value)
            if year < 1900:
                raise ValueError("too old")
            return year

        def to_url(self, value: Any) -> str:
            return f"{int(value):04d}"

    app = App(converters={"year": Year()})

    @app.get("/archive/{y:year}")
    async def archive(y: int, request: Request) -> dict[str, Any]:
        return {"year": y, "self": request.url_for("archive", y=y)}

    with TestClient(app) as client:
        assert client.get("/archive/2024").json() == {"year": 2024, "self": "/archive/2024"}
        assert client.get("/archive/1800").status_code == 404
        assert client.get("/archive/24").status_code == 404


def test_url_for_and_unknown_name() -> None:
    """url_path_for builds named routes and says when a name is unknown."""
    app = make_app()
    assert app.url_path_for("user", name="a b?") == "/users/a%20b%3F"
    # Matching happens on the decoded path, so a '/' could never route back here.
    with pytest.raises(ValueError, match="contain '/'"):
        app.url_path_for("user", name="a/b")
    assert app.url_path_for("user_id", uid=3) == "/users/3"
    with pytest.raises(LookupError, match="nope"):
        app.url_path_for("nope")
    with pytest.raises(ValueError, match="Missing"):
        app.url_path_for("user")


def test_root_path_is_respected() -> None:
    """Behind a proxy prefix (root_path), routes match and url_for includes the prefix."""
    app = App()

    @app.get("/here")
    async def here(request: Request) -> str:
        return request.url_for("here")

    with TestClient(app, root_path="/prefix") as client:
        assert client.get("/prefix/here").text == "/prefix/here"
