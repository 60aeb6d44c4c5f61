"""The error responses the OpenAPI document declares are the ones the server sends.

Each rule of the generator (which operations declare 400, 404, 413, 415 and 422) is checked
twice against the test client: every declared framework error can be provoked, and every
answer a request provokes is declared.
"""
# No "from __future__ import annotations": handlers here refer to local names, which
# string annotations could not resolve.

from typing import Annotated, Any

import msgspec
import pytest

from schooner import App, Form, Header, Query, Request
from schooner.exceptions import NotFound
from schooner.testing import TestClient

FRAMEWORK_ERRORS = {"400", "404", "413", "415", "422"}


class NewShip(msgspec.Struct):
    """A ship to register."""

    name: str
    crew: int = 1


class Profile(msgspec.Struct):
    """A form."""

    nickname: str


def make_app() -> App:
    """One route per rule: no inputs, inputs that cannot fail, inputs that can."""
    app = App()

    @app.get("/")
    async def index() -> dict[str, str]:
        """No parameters at all."""
        return {}

    @app.get("/request")
    async def raw(request: Request) -> dict[str, str]:
        """Only the request itself, which cannot fail."""
        return {"path": request.url.path}

    @app.get("/search")
    async def search(q: str | None = None, tags: list[str] | None = None) -> dict[str, Any]:
        """Optional text parameters: any value is accepted."""
        return {"q": q, "tags": tags}

    @app.get("/page")
    async def page(limit: Annotated[int, Query(ge=1)] = 10) -> dict[str, int]:
        """A constrained integer can be refused."""
        return {"limit": limit}

    @app.get("/token")
    async def token(x_token: Annotated[str, Header()]) -> dict[str, str]:
        """A required header can be missing."""
        return {"token": x_token}

    @app.get("/ships/{ship_id:int}")
    async def ship(ship_id: int) -> dict[str, int]:
        """The converter makes the int: nothing to refuse, but ids can be unknown."""
        if ship_id != 1:
            raise NotFound(f"No ship {ship_id}.")
        return {"id": ship_id}

    @app.get("/codes/{code}")
    async def code(code: int) -> dict[str, int]:
        """A str segment converted to int by msgspec can be refused."""
        return {"code": code}

    @app.post("/ships", status_code=201, max_body_size=64)
    async def add(body: NewShip) -> NewShip:
        """A JSON body."""
        return body

    @app.patch("/ships/{ship_id:int}")
    async def rename(ship_id: int, body: NewShip) -> NewShip:
        """A JSON body on PATCH."""
        return body

    @app.post("/profile", status_code=204)
    async def profile(form: Annotated[Profile, Form()]) -> None:
        """A form body."""

    return app


def declared(app: App, path: str, method: str) -> set[str]:
    """The status codes the document declares for one operation."""
    return set(app.openapi_document()["paths"][path][method]["responses"])


@pytest.mark.parametrize(
    ("path", "method", "errors"),
    [
        ("/", "get", set()),
        ("/request", "get", set()),
        ("/search", "get", {"400"}),
        ("/page", "get", {"400", "422"}),
        ("/token", "get", {"422"}),
        ("/ships/{ship_id}", "get", {"400", "404"}),
        ("/codes/{code}", "get", {"400", "404", "422"}),
        ("/ships", "post", {"400", "413", "415", "422"}),
        ("/ships/{ship_id}", "patch", {"400", "404", "413", "415", "422"}),
        ("/profile", "post", {"400", "413", "415", "422"}),
    ],
)
def test_declared_framework_errors(path: str, method: str, errors: set[str]) -> None:
    """Each operation declares exactly the framework errors its inputs make possible."""
    assert declared(make_app(), path, method) & FRAMEWORK_ERRORS == errors


JSON = {"content-type": "application/json"}

# (method, concrete URL, request options, operation path, expected status)
PROVOKED: list[tuple[str, str, dict[str, Any], str, int]] = [
    ("GET", "/", {}, "/", 200),
    ("GET", "/request?x=%ZZ", {}, "/request", 200),
    ("GET", "/search?q=%00&tags=a&tags=", {}, "/search", 200),
    ("GET", "/search?q=%ZZ", {}, "/search", 400),
    ("GET", "/page?limit=0", {}, "/page", 422),
    ("GET", "/page?limit=%FF", {}, "/page", 400),
    ("GET", "/token", {}, "/token", 422),
    ("GET", "/token", {"headers": {"x-token": "t"}}, "/token", 200),
    ("GET", "/ships/1", {}, "/ships/{ship_id}", 200),
    ("GET", "/ships/2", {}, "/ships/{ship_id}", 404),
    ("GET", "/ships/abc", {}, "/ships/{ship_id}", 404),
    ("GET", "/ships/%FF", {}, "/ships/{ship_id}", 400),
    ("GET", "/codes/abc", {}, "/codes/{code}", 422),
    ("POST", "/ships", {"content": b"{nope", "headers": JSON}, "/ships", 400),
    ("POST", "/ships", {"content": b'{"name":"' + b"x" * 64 + b'"}'}, "/ships", 413),
    (
        "POST",
        "/ships",
        {"content": b'{"name":"a"}', "headers": {"content-type": "text/plain"}},
        "/ships",
        415,
    ),
    ("POST", "/ships", {"data": {"name": "a"}}, "/ships", 415),
    ("POST", "/ships", {"json": {"name": 5}}, "/ships", 422),
    ("POST", "/ships", {"json": {"name": "a"}}, "/ships", 201),
    ("POST", "/ships", {"content": b'{"name":"a"}'}, "/ships", 201),  # no Content-Type
    (
        "POST",
        "/ships",
        {
            "content": b'{"name":"a"}',
            "headers": {"content-type": "application/vnd.api+json; charset=utf-8"},
        },
        "/ships",
        201,
    ),
    ("PATCH", "/ships/1", {"data": {"name": "a"}}, "/ships/{ship_id}", 415),
    ("POST", "/profile", {"json": {"nickname": "a"}}, "/profile", 415),
    ("POST", "/profile", {"data": {}}, "/profile", 422),  # no body, no Content-Type
    ("POST", "/profile", {"content": b"nickname=a"}, "/profile", 415),
    ("POST", "/profile", {"data": {"nickname": "a"}}, "/profile", 204),
]


@pytest.mark.parametrize(
    ("method", "url", "options", "path", "status"),
    PROVOKED,
    ids=[f"{m} {u} -> {s}" for m, u, _, _, s in PROVOKED],
)
def test_every_answer_is_declared(
    method: str, url: str, options: dict[str, Any], path: str, status: int
) -> None:
    """The request gets the expected answer, and the operation's document declares it."""
    app = make_app()
    with TestClient(app) as client:
        response = client.request(method, url, **options)
    assert response.status_code == status, response.text
    assert str(status) in declared(app, path, method.lower())
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "url", "options", "header", "accepted"),
    [
        ("POST", "/ships", {"data": {"name": "a"}}, "accept-post", "application/json"),
        ("PATCH", "/ships/1", {"data": {"name": "a"}}, "accept-patch", "application/json"),
        (
            "POST",
            "/profile",
            {"json": {"nickname": "a"}},
            "accept-post",
            "application/x-www-form-urlencoded, multipart/form-data",
        ),
    ],
)
def test_415_names_what_the_route_reads(
    method: str, url: str, options: dict[str, Any], header: str, accepted: str
) -> None:
    """A 415 says which media types the method takes, and the document declares the header."""
    app = make_app()
    with TestClient(app) as client:
        response = client.request(method, url, **options)
    assert response.status_code == 415
    assert response.headers[header] == accepted
    assert accepted in response.json()["detail"]
    path = "/ships/{ship_id}" if url.startswith("/ships/") else url
    documented = app.openapi_document()["paths"][path][method.lower()]["responses"]["415"]
    assert header.title() in documented["headers"]


def test_empty_body_with_another_content_type_is_not_415() -> None:
    """The Content-Type of an empty body is not checked: a missing body is the 422 it was."""
    with TestClient(make_app()) as client:
        response = client.post("/ships", headers={"content-type": "text/plain"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == "A JSON body is required"
