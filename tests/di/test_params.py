"""Tests for typed parameters: where each comes from, constraints, aliases and 422 errors."""
# No "from __future__ import annotations": handlers here refer to local names, which
# string annotations could not resolve.

import dataclasses
import uuid
from typing import Annotated, Any, TypedDict

import msgspec
import pydantic
import pytest

from schooner import App, Body, Cookie, Form, Header, Inject, Path, Query, Request, UploadFile
from schooner.exceptions import ImproperlyConfigured
from schooner.testing import TestClient


class Point(msgspec.Struct):
    x: int
    y: int = 0


@dataclasses.dataclass
class Pet:
    name: str
    age: int


class Movie(TypedDict):
    title: str
    year: int


class User(pydantic.BaseModel):
    name: str
    age: int = pydantic.Field(ge=0)


def client_for(app: App) -> TestClient:
    return TestClient(app)


def test_query_constraints_alias_and_defaults() -> None:
    """Query values are converted, checked against bounds and read under their alias."""
    app = App()

    @app.get("/page")
    async def page(
        size: Annotated[int, Query(ge=1, le=500, alias="page-size")] = 20,
        q: str | None = None,
        flag: bool = False,
    ) -> dict[str, Any]:
        return {"size": size, "q": q, "flag": flag}

    with client_for(app) as client:
        assert client.get("/page").json() == {"size": 20, "q": None, "flag": False}
        assert client.get("/page?page-size=7&q=x&flag=true").json() == {
            "size": 7,
            "q": "x",
            "flag": True,
        }
        response = client.get("/page?page-size=0")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"loc": ["query", "page-size"], "msg": "Expected `int` >= 1", "type": "invalid"}
    ]


def test_every_failing_field_is_listed() -> None:
    """A 422 lists each failing field with its location, not just the first."""
    app = App()

    @app.get("/items/{item_id:int}")
    async def items(
        item_id: int,
        limit: Annotated[int, Query(le=10)],
        token: Annotated[str, Header(min_length=5)],
        session: Annotated[str, Cookie()],
    ) -> None:
        return None

    with client_for(app) as client:
        response = client.get("/items/1?limit=99", headers={"token": "abc"})
    problem = response.json()
    assert response.status_code == 422
    assert problem["status"] == 422
    assert problem["detail"] == "3 fields failed validation."
    assert [e["loc"] for e in problem["errors"]] == [
        ["query", "limit"],
        ["header", "token"],
        ["cookie", "session"],
    ]
    assert problem["errors"][2] == {
        "loc": ["cookie", "session"],
        "msg": "Field required",
        "type": "missing",
    }


def test_list_query_parameters() -> None:
    """List annotations collect every repeated query value, converted."""
    app = App()

    @app.get("/ids")
    async def ids(
        id: Annotated[list[int], Query(max_length=3)] = [],  # noqa: B006
    ) -> list[int]:
        return id

    with client_for(app) as client:
        assert client.get("/ids?id=1&id=2").json() == [1, 2]
        assert client.get("/ids").json() == []
        assert client.get("/ids?id=1&id=x").status_code == 422
        assert client.get("/ids?id=1&id=2&id=3&id=4").status_code == 422


def test_headers_use_dashes_and_repeat() -> None:
    """A header parameter reads the dashed name; list annotations take every value."""
    app = App()

    @app.get("/h")
    async def h(
        x_trace_id: Annotated[str, Header()],
        accept_language: Annotated[list[str], Header()],
        x_count: Annotated[int, Header(alias="X-Number")] = 0,
    ) -> dict[str, Any]:
        return {"trace": x_trace_id, "lang": accept_language, "n": x_count}

    with client_for(app) as client:
        response = client.get(
            "/h",
            headers=[
                ("X-Trace-Id", "t1"),
                ("Accept-Language", "en"),
                ("Accept-Language", "fr"),
                ("X-Number", "5"),
            ],
        )
    assert response.json() == {"trace": "t1", "lang": ["en", "fr"], "n": 5}


def test_cookies() -> None:
    """Cookie parameters read the request cookies."""
    app = App()

    @app.get("/c")
    async def c(theme: Annotated[str, Cookie()] = "light") -> str:
        return theme

    with client_for(app) as client:
        assert client.get("/c").text == "light"
        assert client.get("/c", headers={"cookie": "theme=dark"}).text == "dark"


def test_path_parameters_convert_to_annotation() -> None:
    """A str path segment is converted to the handler's annotation, with constraints."""
    app = App()

    @app.get("/orders/{oid}")
    async def order(oid: uuid.UUID) -> str:
        return str(oid)

    @app.get("/pages/{n}")
    async def pages(n: Annotated[int, Path(ge=1)]) -> int:
        return n

    with client_for(app) as client:
        value = "6f1c2f4e-8a1c-4e4b-9e0a-0f0e0d0c0b0a"
        assert client.get(f"/orders/{value}").text == value
        bad = client.get("/orders/nope")
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["loc"] == ["path", "oid"]
        assert client.get("/pages/0").status_code == 422
        assert client.get("/pages/3").json() == 3


def test_path_marker_requires_segment() -> None:
    """Path() on a parameter the template doesn't declare is a startup error."""
    app = App()

    @app.get("/x")
    async def x(n: Annotated[int, Path()]) -> int:
        return n

    with pytest.raises(ImproperlyConfigured, match=r"no '\{n\}' segment"):
        app.build()


@pytest.mark.parametrize(
    ("annotation", "payload", "expected"),
    [
        (Point, {"x": 1}, {"x": 1, "y": 0}),
        (Pet, {"name": "Rex", "age": 3}, {"name": "Rex", "age": 3}),
        (Movie, {"title": "Up", "year": 2009}, {"title": "Up", "year": 2009}),
        (User, {"name": "Ada", "age": 36}, {"name": "Ada", "age": 36}),
        (list[Point], [{"x": 1}, {"x": 2, "y": 3}], [{"x": 1, "y": 0}, {"x": 2, "y": 3}]),
    ],
)
def test_body_types(annotation: Any, payload: Any, expected: Any) -> None:
    """Structs, dataclasses, TypedDicts, pydantic models and lists of them are JSON bodies."""
    app = App()

    async def handler(body: Any) -> Any:
        return body

    handler.__annotations__["body"] = annotation
    app.add_route("/b", handler, methods=["POST"])
    with client_for(app) as client:
        response = client.post("/b", json=payload)
    assert response.status_code == 200, response.text
    assert response.json() == expected


@pytest.mark.parametrize(
    ("annotation", "payload", "loc"),
    [
        (Point, {"x": "a"}, ["body", "x"]),
        (Point, {}, ["body", "x"]),
        (list[Point], [{"x": 1}, {"x": "z"}], ["body", 1, "x"]),
        (User, {"name": "Ada", "age": -1}, ["body", "age"]),
        (Pet, {"name": "Rex"}, ["body", "age"]),
    ],
)
def test_body_validation_errors(annotation: Any, payload: Any, loc: list[Any]) -> None:
    """Invalid bodies give a 422 whose error points into the body."""
    app = App()

    async def handler(body: Any) -> None:
        return None

    handler.__annotations__["body"] = annotation
    app.add_route("/b", handler, methods=["POST"])
    with client_for(app) as client:
        response = client.post("/b", json=payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == loc


def test_malformed_and_missing_body() -> None:
    """Malformed JSON is a 400; a missing required body is a 422; optional bodies default."""
    app = App()

    @app.post("/req")
    async def req(point: Point) -> Point:
        return point

    @app.post("/opt")
    async def opt(point: Point | None = None) -> Point | None:
        return point

    @app.post("/pyd")
    async def pyd(user: User) -> User:
        return user

    with client_for(app) as client:
        bad = client.post("/req", content=b'{"x": ', headers={"content-type": "application/json"})
        assert bad.status_code == 400
        assert bad.json()["detail"].startswith("Malformed JSON body")
        assert client.post("/pyd", content=b"{nope").status_code == 400
        missing = client.post("/req")
        assert missing.status_code == 422
        assert missing.json()["errors"][0] == {
            "loc": ["body"],
            "msg": "A JSON body is required",
            "type": "missing",
        }
        assert client.post("/opt").status_code == 204


def test_body_size_limit_per_route() -> None:
    """Bodies above the route's limit get a 413 problem response."""
    app = App()

    @app.post("/small", max_body_size=10)
    async def small(point: Point) -> Point:
        return point

    @app.post("/default")
    async def default(request: Request) -> int:
        return len(await request.body())

    with client_for(app) as client:
        response = client.post("/small", json={"x": 1000000, "y": 1000000})
        assert response.status_code == 413
        assert "10 bytes" in response.json()["detail"]
        assert client.post("/default", content=b"x" * 1000).json() == 1000
        assert client.post("/default", content=b"x" * (1024 * 1024 + 1)).status_code == 413


def test_form_body_with_upload() -> None:
    """Form() reads urlencoded and multipart bodies into a model, files as UploadFile."""

    class Signup(msgspec.Struct):
        name: str
        age: int
        tags: list[str] = []

    @dataclasses.dataclass
    class Upload:
        title: str
        file: UploadFile

    app = App()

    @app.post("/signup")
    async def signup(form: Annotated[Signup, Form()]) -> Signup:
        return form

    @app.post("/upload")
    async def upload(form: Annotated[Upload, Body(media_type="form")]) -> dict[str, Any]:
        data = await form.file.read()
        return {"title": form.title, "name": form.file.filename, "size": len(data)}

    with client_for(app) as client:
        ok = client.post("/signup", data={"name": "Ada", "age": "36", "tags": ["a", "b"]})
        assert ok.json() == {"name": "Ada", "age": 36, "tags": ["a", "b"]}
        bad = client.post("/signup", data={"name": "Ada", "age": "old"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["loc"] == ["body", "age"]
        up = client.post("/upload", data={"title": "T"}, files={"file": ("a.txt", b"hello")})
        assert up.json() == {"title": "T", "name": "a.txt", "size": 5}


def test_two_bodies_rejected() -> None:
    """Declaring two body parameters is a startup error."""
    app = App()

    @app.post("/x")
    async def x(a: Point, b: Point) -> None:
        return None

    with pytest.raises(ImproperlyConfigured, match="more than one body"):
        app.build()


def test_var_args_rejected() -> None:
    """Handlers with *args or **kwargs cannot be planned."""
    app = App()

    @app.get("/x")
    async def x(**kwargs: Any) -> None:
        return None

    with pytest.raises(ImproperlyConfigured, match="declare each parameter"):
        app.build()


def test_unresolvable_annotation() -> None:
    """An annotation naming an unknown type is reported with the handler's name."""
    app = App()

    async def x(a: "NotDefined") -> None:  # type: ignore[name-defined]  # noqa: F821 - on purpose
        return None

    app.add_route("/x", x, methods=["GET"])
    with pytest.raises(ImproperlyConfigured, match="Cannot resolve the type annotations"):
        app.build()


def test_query_values_read_strictly_once_per_request() -> None:
    """Single-valued query parameters see the last value; malformed encoding is a 400."""
    app = App()

    @app.get("/q")
    async def q(a: str, b: int = 0, tags: list[str] | None = None, c: str = "") -> dict[str, Any]:
        return {"a": a, "b": b, "tags": tags, "c": c}

    with client_for(app) as client:
        answer = client.get("/q?a=1&b=2&a=x+y&tags=t&tags=u&c=caf%C3%A9")
        assert answer.json() == {"a": "x y", "b": 2, "tags": ["t", "u"], "c": "café"}
        assert client.get("/q?a=%zz").status_code == 400
        assert client.get("/q?b=2").json()["errors"][0]["loc"] == ["query", "a"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("False", False), ("0", False)],
)
def test_bool_values_read_as_msgspec_reads_them(raw: str, expected: bool) -> None:
    """Booleans from text: true/false (any case) and 1/0."""
    app = App()

    @app.get("/b")
    async def b(flag: bool, x_flag: Annotated[bool, Header()] = False) -> list[bool]:
        return [flag, x_flag]

    with client_for(app) as client:
        assert client.get(f"/b?flag={raw}", headers={"x-flag": raw}).json() == [
            expected,
            expected,
        ]


def test_fast_checks_agree_with_msgspec_on_refusals() -> None:
    """Values the quick checks refuse get msgspec's own message, as before."""
    app = App()

    @app.get("/t")
    async def t(
        flag: bool = False, code: Annotated[str, Query(min_length=2, max_length=3)] = "ab"
    ) -> dict[str, Any]:
        return {"flag": flag, "code": code}

    with client_for(app) as client:
        assert client.get("/t?code=abc").json() == {"flag": False, "code": "abc"}
        assert client.get("/t?code=ab").json()["code"] == "ab"
        errors = {
            tuple(e["loc"]): e["msg"] for e in client.get("/t?flag=yes&code=abcd").json()["errors"]
        }
        short = client.get("/t?code=a").json()["errors"][0]["msg"]
    assert errors == {
        ("query", "flag"): "Expected `bool`, got `str`",
        ("query", "code"): "Expected `str` of length <= 3",
    }
    assert short == "Expected `str` of length >= 2"


def test_a_body_read_for_a_parameter_is_shared_with_the_request() -> None:
    """The body is read once: the Request a dependency asks for afterwards has it too."""
    app = App()

    async def raw_length(request: Request) -> int:
        return len(await request.body()) + len(await request.json())

    @app.post("/p")
    async def p(point: Point, length: Annotated[int, Inject(raw_length)]) -> list[int]:
        return [point.x, length]

    with client_for(app) as client:
        assert client.post("/p", content=b'{"x": 4, "y": 5}').json() == [4, 16 + 2]
