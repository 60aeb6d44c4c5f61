"""Tests for route registration, routers, includes and shadowing detection."""
# No "from __future__ import annotations": handlers here refer to local names, which
# string annotations could not resolve.

import pytest

from schooner import App, Inject, Request, Router
from schooner.exceptions import ImproperlyConfigured, RouteConflict
from schooner.testing import TestClient


def test_method_decorators_register_each_method() -> None:
    """get/post/put/patch/delete and route() serve their own methods on one path."""
    app = App()

    @app.get("/r")
    async def get() -> str:
        return "get"

    @app.post("/r")
    async def post() -> str:
        return "post"

    @app.put("/r")
    async def put() -> str:
        return "put"

    @app.patch("/r")
    async def patch() -> str:
        return "patch"

    @app.delete("/r")
    async def delete() -> str:
        return "delete"

    @app.route("/multi", methods=["GET", "post"])
    async def multi(request: Request) -> str:
        return request.method

    with TestClient(app) as client:
        for method in ("get", "post", "put", "patch", "delete"):
            assert client.request(method.upper(), "/r").text == method
        assert client.get("/multi").text == "GET"
        assert client.post("/multi").text == "POST"


def test_invalid_methods_rejected() -> None:
    """An unknown or empty method list is a configuration error."""
    app = App()
    with pytest.raises(ImproperlyConfigured, match="invalid methods"):
        app.add_route("/x", lambda: None, methods=["FETCH"])
    with pytest.raises(ImproperlyConfigured, match="invalid methods"):
        app.add_route("/x", lambda: None, methods=[])


def test_router_prefix_and_nested_include() -> None:
    """Routers nest: prefixes add up, and an include can add its own prefix."""
    app = App()
    api = Router(prefix="/api")
    v1 = Router(prefix="/v1")

    @v1.get("/items")
    async def items() -> list[int]:
        return [1]

    api.include(v1)
    app.include(api, prefix="/root")
    with TestClient(app) as client:
        assert client.get("/root/api/v1/items").json() == [1]
        assert client.get("/api/v1/items").status_code == 404


@pytest.mark.parametrize("prefix", ["api", "/api/", "/"])
def test_bad_prefix(prefix: str) -> None:
    """Prefixes must start with '/' and not end with one."""
    with pytest.raises(ImproperlyConfigured, match="Prefix"):
        Router(prefix=prefix)


def test_router_cannot_include_itself_or_loop() -> None:
    """Self-inclusion and include loops are reported instead of recursing forever."""
    a = Router(prefix="/a")
    b = Router(prefix="/b")
    with pytest.raises(ImproperlyConfigured, match="itself"):
        a.include(a)
    a.include(b)
    b.include(a)
    app = App()
    app.include(a)
    with pytest.raises(ImproperlyConfigured, match="loop"):
        app.build()


def test_shadowing_routes_are_a_startup_error() -> None:
    """Two routes with equivalent templates and a shared method fail at build time."""
    app = App()

    @app.get("/users/{a:int}")
    async def first(a: int) -> int:
        return a

    @app.get("/users/{b:int}")
    async def second(b: int) -> int:
        return b

    with pytest.raises(RouteConflict, match=r"GET /users/\{b:int\}.*would shadow.*first"):
        app.build()


def test_same_path_different_methods_is_fine() -> None:
    """Sharing a template is allowed when the methods differ."""
    app = App()

    @app.get("/x/{a}")
    async def read(a: str) -> str:
        return a

    @app.post("/x/{b}")
    async def write(b: str) -> str:
        return b.upper()

    with TestClient(app) as client:
        assert client.get("/x/hi").text == "hi"
        assert client.post("/x/hi").text == "HI"


def test_duplicate_names_are_a_startup_error() -> None:
    """Two routes with one name on different paths would make url_for ambiguous."""
    app = App()
    router = Router(prefix="/b")

    @app.get("/a")
    async def page() -> str:
        return "a"

    @router.get("/a")
    async def page_b() -> str:
        return "b"

    router.routes[0].options["name"] = "page"
    app.include(router)
    with pytest.raises(RouteConflict, match="named 'page'"):
        app.build()


def test_router_dependencies_run_before_handlers() -> None:
    """A router's dependencies run for every route in it, for their effect."""
    calls: list[str] = []

    async def audit(request: Request) -> None:
        calls.append(request.url.path)

    app = App()
    router = Router(prefix="/r", dependencies=[Inject(audit)])

    @router.get("/one")
    async def one() -> str:
        return "1"

    @app.get("/free")
    async def free() -> str:
        return "free"

    app.include(router)
    with TestClient(app) as client:
        client.get("/r/one")
        client.get("/free")
    assert calls == ["/r/one"]


def test_route_dependencies_need_provider() -> None:
    """Inject() without a provider cannot be a route dependency."""
    app = App()

    @app.get("/x", dependencies=[Inject()])
    async def x() -> None:
        return None

    with pytest.raises(ImproperlyConfigured, match="explicit provider"):
        app.build()


def test_hundreds_of_routes_match_correctly() -> None:
    """With 600 routes, static and dynamic routes still resolve to the right handler."""
    app = App()
    for i in range(300):

        async def static(i: int = i) -> int:
            return i

        async def dynamic(item: int, i: int = i) -> list[int]:
            return [i, item]

        app.add_route(f"/s{i}", static, methods=["GET"], name=f"s{i}")
        app.add_route(f"/d{i}/{{item:int}}", dynamic, methods=["GET"], name=f"d{i}")
    with TestClient(app) as client:
        assert client.get("/s299").json() == 299
        assert client.get("/d150/7").json() == [150, 7]
        assert client.get("/d150/x").status_code == 404
