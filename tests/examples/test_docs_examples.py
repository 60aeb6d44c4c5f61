"""Run every example shown in the docs (``examples/docs/*.py``) and check what it answers.

The guide includes these files verbatim, so each assertion here is a promise the docs make.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from _loading import docs_example

from schooner import App, PlainTextResponse, Request, Response
from schooner.exceptions import ImproperlyConfigured, RouteConflict
from schooner.testing import TestClient

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"


def load(name: str) -> ModuleType:
    """Import examples/docs/<name>.py afresh under a private name."""
    return docs_example(name, "docs_example")


def app_of(name: str) -> App:
    """Return the ``app`` defined by an example."""
    app = load(name).app
    assert isinstance(app, App)
    return app


def expected_text(name: str) -> str:
    """Return ``examples/docs/<name>.txt``: output the docs show next to an example."""
    return (EXAMPLES / f"{name}.txt").read_text()


def shown_error(exc: BaseException, name: str) -> str:
    """Format ``exc`` as a traceback's last line, with the module named as the CLI names it."""
    text = f"{type(exc).__module__}.{type(exc).__name__}: {exc}\n"
    return text.replace(f"docs_example_{name}.", f"{name}.")


TESTED: set[str] = set()


def covers(*names: str) -> Any:
    """Record that the decorated test exercises the named examples."""
    TESTED.update(names)
    return lambda func: func


# -- quickstart -------------------------------------------------------------------------------


@covers("quickstart_minimal")
def test_quickstart_minimal() -> None:
    """The minimal app greets by path parameter and reads an optional query flag."""
    with TestClient(app_of("quickstart_minimal")) as client:
        assert client.get("/hello/Ada").json() == {"message": "Hello, Ada."}
        assert client.get("/hello/Ada?excited=true").json() == {"message": "Hello, Ada!"}
        response = client.get("/hello/Ada?excited=maybe")
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["query", "excited"]


def test_quickstart_claims_about_the_hello_app() -> None:
    """The responses quickstart.md describes for examples/hello/app.py are the real ones."""
    spec = importlib.util.spec_from_file_location(
        "docs_quickstart_hello", EXAMPLES.parent / "hello" / "app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    with TestClient(module.app) as client:
        assert client.get("/").json() == {"message": "Hello from Schooner"}
        assert client.get("/items?limit=0").status_code == 422
        assert client.get("/items/abc").status_code == 404
        assert client.get("/items/99").json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "There is no item 99.",
        }
        created = client.post("/items", json={"name": "Rope", "price": 3})
        assert created.status_code == 201
        assert created.content == b'{"id":2,"name":"Rope","price":3.0,"tags":[]}'
        invalid = client.post("/items", json={"name": "Rope", "price": -1})
        assert invalid.status_code == 422
        assert invalid.json()["errors"][0]["loc"] == ["body", "price"]


# -- routing ----------------------------------------------------------------------------------


@covers("routing_basic")
def test_routing_converters_pick_the_narrowest_route() -> None:
    """Digits go to the int route, other segments to the str route, whatever the order."""
    with TestClient(app_of("routing_basic")) as client:
        assert client.get("/").json() == {"page": "home"}
        assert client.get("/users/42").json() == {"user_id": 42}
        assert client.get("/users/ada").json() == {"username": "ada"}
        assert client.get("/users/ada%20lovelace").json() == {"username": "ada lovelace"}
        assert client.put("/users/42").json() == {"user_id": 42, "replaced": True}
        order = "5f0c7c9e-8a8b-4c2e-9d7a-0b1f2e3d4c5b"
        assert client.get(f"/orders/{order}").json() == {"order_id": order}
        assert client.get("/orders/not-a-uuid").status_code == 404
        assert client.get("/blog/my-first-post").json() == {"slug": "my-first-post"}
        assert client.get("/files/docs/2024/report.pdf").json() == {
            "file_path": "docs/2024/report.pdf"
        }
        assert client.post("/search").json() == {"results": "none yet"}


@covers("routing_basic")
@pytest.mark.parametrize(
    ("path", "status"), [("/users/%zz", 400), ("/users/%ff", 400), ("/users/a%2Fb", 404)]
)
def test_paths_are_decoded_strictly(path: str, status: int) -> None:
    """Bad percent-encoding is a 400; an encoded slash is a slash."""
    with TestClient(app_of("routing_basic")) as client:
        assert client.get(path).status_code == status


@covers("routing_basic")
def test_routing_404_405_head_options() -> None:
    """Unknown paths are 404, unknown methods 405 with Allow; HEAD and OPTIONS are automatic."""
    with TestClient(app_of("routing_basic")) as client:
        missing = client.get("/nowhere")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "No route matches '/nowhere'.",
        }
        wrong = client.delete("/users/42")
        assert wrong.status_code == 405
        assert wrong.headers["allow"] == "GET, HEAD, OPTIONS, PUT"
        head = client.head("/users/42")
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(b'{"user_id":42}'))
        options = client.options("/users/42")
        assert options.status_code == 204
        assert options.headers["allow"] == "GET, HEAD, OPTIONS, PUT"


@covers("routing_converters")
def test_custom_converter_parses_and_builds() -> None:
    """The date converter parses the segment, rejects impossible dates and builds URLs."""
    with TestClient(app_of("routing_converters")) as client:
        assert client.get("/archive/2024-02-28").json() == {
            "day": "2024-02-28",
            "weekday": "Wednesday",
            "next": "/archive/2024-02-29",
        }
        assert client.get("/archive/2024-02-30").status_code == 404
        assert client.get("/archive/yesterday").status_code == 404


@covers("routing_trailing_slash")
def test_trailing_slash_redirects_to_the_declared_form() -> None:
    """The other form of a path is answered with a 308 that keeps the query string."""
    app = app_of("routing_trailing_slash")
    with TestClient(app) as client:
        assert client.get("/guide/").json() == {"page": "guide"}
        redirect = client.get("/guide?lang=en")
        assert redirect.status_code == 308
        assert redirect.headers["location"] == "/guide/?lang=en"
        assert client.get("/about/").headers["location"] == "/about"
        assert client.get("/about/", follow_redirects=True).json() == {"page": "about"}


@covers("routing_trailing_slash")
@pytest.mark.parametrize(
    ("policy", "status"), [("redirect", 308), ("strict", 404), ("ignore", 200)]
)
def test_trailing_slash_policies(policy: Any, status: int) -> None:
    """Each policy answers the undeclared form of a path differently."""
    app = app_of("routing_trailing_slash")
    app.trailing_slash = policy
    with TestClient(app) as client:
        assert client.get("/about/").status_code == status
        assert client.get("/about").status_code == 200


@covers("routing_url_for")
def test_url_for_builds_paths_from_names() -> None:
    """Routes are named after their function unless name= says otherwise."""
    app = app_of("routing_url_for")
    with TestClient(app) as client:
        assert client.get("/articles/7/comments").json() == {"article": "/articles/7"}
        latest = client.get("/latest")
        assert latest.status_code == 307
        assert latest.headers["location"] == "/articles/42/comments"
    assert app.url_path_for("show_article", article_id=3) == "/articles/3"
    with pytest.raises(LookupError, match="No route is named 'list_comments'"):
        app.url_path_for("list_comments", article_id=3)
    with pytest.raises(ValueError, match="must not be negative"):
        app.url_path_for("show_article", article_id=-1)


@covers("routing_routers")
def test_routers_prefix_middleware_and_dependencies() -> None:
    """Router prefixes join, router middleware and dependencies apply only to its routes."""
    with TestClient(app_of("routing_routers")) as client:
        refused = client.get("/api/v1/users")
        assert refused.status_code == 401
        assert refused.json()["detail"] == "Send the header X-API-Key."
        ok = client.get("/api/v1/users", headers={"x-api-key": "secret"})
        assert ok.json() == ["ada", "grace"]
        assert ok.headers["x-api-version"] == "1"
        one = client.get("/api/v1/users/3", headers={"x-api-key": "secret"})
        assert one.json() == {"user_id": 3}
        health = client.get("/health")
        assert health.json() == {"status": "ok"}
        assert "x-api-version" not in health.headers


@covers("routing_mount")
def test_mounted_asgi_and_wsgi_apps() -> None:
    """Mounted apps receive everything under their prefix, with the prefix as root path."""
    with TestClient(app_of("routing_mount")) as client:
        asgi = client.get("/asgi/status")
        assert asgi.text == "root_path=/asgi path=/asgi/status"
        wsgi = client.get("/wsgi/reports/2024")
        assert wsgi.text == "SCRIPT_NAME=/wsgi PATH_INFO=/reports/2024"
        assert client.get("/").json() == {"legacy_report": "/wsgi/reports/2024"}


@covers("routing_shadowing")
def test_shadowing_routes_fail_at_startup() -> None:
    """Two routes matching the same paths and method are refused when the app is built."""
    app = app_of("routing_shadowing")
    with pytest.raises(RouteConflict) as error:
        app.build()
    assert shown_error(error.value, "routing_shadowing") == expected_text("routing_shadowing")


# -- requests ---------------------------------------------------------------------------------


@covers("requests_attributes")
def test_request_attributes() -> None:
    """The request exposes method, URL, decoded path, parameters, headers, cookies and client."""
    with TestClient(app_of("requests_attributes")) as client:
        response = client.get(
            "/inspect/a%20b?tag=x&tag=y",
            headers={"user-agent": "curl/8", "cookie": "theme=dark"},
        )
        assert response.json() == {
            "method": "GET",
            "url": "http://testserver/inspect/a%20b?tag=x&tag=y",
            "path": "/inspect/a b",
            "path_params": {"section": "a b"},
            "query": ["x", "y"],
            "user_agent": "curl/8",
            "theme": "dark",
            "client": ["testclient", 50000],
        }


@covers("requests_body")
def test_request_body_json_and_stream() -> None:
    """body() returns bytes, json() decodes, stream() yields chunks without buffering."""
    with TestClient(app_of("requests_body")) as client:
        echo = client.post("/echo", content=b"abc")
        assert echo.content == b"abc"
        assert echo.headers["content-type"] == "application/octet-stream"
        assert client.post("/keys", json={"b": 1, "a": 2}).json() == ["a", "b"]
        digest = client.post("/digest", content=iter([b"x" * 50_000, b"x" * 50_000]))
        assert digest.json() == {
            "size": 100_000,
            "sha256": "d69e68988157833272305aaf21f453c800346e8a3640db6578e260215542e5d4",
        }


@covers("requests_body")
@pytest.mark.parametrize(
    ("path", "content", "status", "detail"),
    [
        ("/keys", b"", 400, "Expected a JSON body, but the request body is empty."),
        (
            "/keys",
            b"{bad",
            400,
            "Malformed JSON body: JSON is malformed: object keys must be strings (byte 1).",
        ),
        (
            "/small",
            b"x" * 17,
            413,
            "The request body is larger than the limit of 16 bytes for this route.",
        ),
    ],
)
def test_request_body_errors(path: str, content: bytes, status: int, detail: str) -> None:
    """Bad or oversized bodies are answered with 400 and 413 problem documents."""
    with TestClient(app_of("requests_body")) as client:
        response = client.post(path, content=content)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == detail


@covers("requests_body")
def test_streamed_body_over_the_limit_is_413() -> None:
    """A body without Content-Length is counted as it arrives and cut off at the limit."""
    with TestClient(app_of("requests_body")) as client:
        response = client.post("/small", content=iter([b"x" * 10, b"y" * 10]))
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert client.post("/small", content=b"x" * 16).json() == {"size": 16}


# -- responses --------------------------------------------------------------------------------


@covers("responses_values")
@pytest.mark.parametrize(
    ("method", "path", "status", "content_type", "body"),
    [
        ("GET", "/json", 200, "application/json", b'{"numbers":[1,2,3]}'),
        ("GET", "/ship", 200, "application/json", b'{"name":"Bluenose","masts":2}'),
        (
            "GET",
            "/ports",
            200,
            "application/json",
            b'[{"name":"Lunenburg","country":"CA"},{"name":"Gloucester","country":"US"}]',
        ),
        ("GET", "/text", 200, "text/plain; charset=utf-8", b"Fair winds"),
        ("GET", "/bytes", 200, "application/octet-stream", b"\x00\x01"),
        ("DELETE", "/ships/x", 204, None, b""),
        ("POST", "/ships", 201, "application/json", b'{"name":"Atlantic","masts":3}'),
        ("GET", "/teapot", 418, "text/plain; charset=utf-8", b"I'm a teapot"),
    ],
)
def test_return_values(
    method: str, path: str, status: int, content_type: str | None, body: bytes
) -> None:
    """Each kind of return value becomes the status, content type and body the table shows."""
    with TestClient(app_of("responses_values")) as client:
        response = client.request(method, path)
        assert response.status_code == status
        assert response.headers.get("content-type") == content_type
        assert response.content == body


@covers("responses_values")
def test_decorator_headers_apply() -> None:
    """headers= on the decorator is added to the route's responses."""
    with TestClient(app_of("responses_values")) as client:
        assert client.post("/ships").headers["cache-control"] == "no-store"
        assert "cache-control" not in client.get("/ship").headers


@covers("responses_classes")
@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/page", 200, "text/html; charset=utf-8", b"<h1>Harbour</h1>"),
        ("/plain", 202, "text/plain; charset=utf-8", b"Not yet"),
        ("/problem", 409, "application/problem+json", b'{"title":"Out of stock"}'),
    ],
)
def test_response_classes(path: str, status: int, content_type: str, body: bytes) -> None:
    """Response classes set the content type; status_code and media_type override."""
    with TestClient(app_of("responses_classes")) as client:
        response = client.get(path)
        assert (response.status_code, response.headers["content-type"]) == (status, content_type)
        assert response.content == body


@covers("responses_classes")
def test_redirect_response() -> None:
    """RedirectResponse sets Location and the status asked for."""
    with TestClient(app_of("responses_classes")) as client:
        response = client.get("/old-page")
        assert response.status_code == 301
        assert response.headers["location"] == "/page"


@covers("responses_classes")
@pytest.mark.parametrize(
    ("base_url", "secure"), [("http://testserver", ""), ("https://testserver", " Secure;")]
)
def test_cookie_defaults(base_url: str, secure: str) -> None:
    """Cookies are HttpOnly and SameSite=Lax unless relaxed, and Secure over HTTPS."""
    with TestClient(app_of("responses_classes"), base_url=base_url) as client:
        login = client.post("/login")
        assert login.status_code == 204
        assert login.headers.get_list("set-cookie") == [
            f"session=abc123; Max-Age=3600; Path=/;{secure} HttpOnly; SameSite=Lax",
            f"theme=dark; Path=/;{secure} SameSite=Strict",
        ]
        logout = client.post("/logout")
        assert logout.headers["set-cookie"] == (
            f"session=; Max-Age=0; Path=/;{secure} HttpOnly; SameSite=Lax"
        )


# -- parameters -------------------------------------------------------------------------------


@covers("parameters_sources")
def test_parameter_defaults_and_values() -> None:
    """Path, query, list, header and cookie values arrive converted, defaults fill the rest."""
    with TestClient(app_of("parameters_sources")) as client:
        defaults = client.get("/shops/3/products", headers={"user-agent": "curl/8"})
        assert defaults.json() == {
            "shop_id": 3,
            "q": None,
            "page": 1,
            "page_size": 50,
            "tag": None,
            "user_agent": "curl/8",
            "currency": "EUR",
        }
        given = client.get(
            "/shops/3/products?q=rope&page=2&page-size=100&tag=a&tag=b",
            headers={"user-agent": "curl/8", "cookie": "currency=USD"},
        )
        assert given.json() == {
            "shop_id": 3,
            "q": "rope",
            "page": 2,
            "page_size": 100,
            "tag": ["a", "b"],
            "user_agent": "curl/8",
            "currency": "USD",
        }
        assert client.get("/codes/abcd", headers={"x-api-version": "2"}).json() == {
            "code": "abcd",
            "version": 2,
        }


@covers("parameters_sources")
def test_validation_problem_document() -> None:
    """Every failing field is listed in one 422 problem document."""
    with TestClient(app_of("parameters_sources")) as client:
        response = client.get(
            "/shops/3/products?page=0&page-size=1000", headers={"cookie": "currency=usd"}
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        # --8<-- [start:problem]
        assert response.json() == {
            "type": "about:blank",
            "title": "Unprocessable Entity",
            "status": 422,
            "detail": "3 fields failed validation.",
            "errors": [
                {"loc": ["query", "page"], "msg": "Expected `int` >= 1", "type": "invalid"},
                {
                    "loc": ["query", "page-size"],
                    "msg": "Expected `int` <= 500",
                    "type": "invalid",
                },
                {
                    "loc": ["cookie", "currency"],
                    "msg": "Expected `str` matching regex '^[A-Z]{3}$'",
                    "type": "invalid",
                },
            ],
        }
        # --8<-- [end:problem]


@covers("parameters_sources")
def test_missing_and_invalid_header() -> None:
    """A required header that is missing or not an int is a 422 naming the header."""
    with TestClient(app_of("parameters_sources")) as client:
        missing = client.get("/codes/ab")
        assert missing.json()["errors"] == [
            {"loc": ["path", "code"], "msg": "Expected `str` of length >= 3", "type": "invalid"},
            {"loc": ["header", "x-api-version"], "msg": "Field required", "type": "missing"},
        ]
        invalid = client.get("/codes/abcd", headers={"x-api-version": "two"})
        assert invalid.json()["errors"] == [
            {
                "loc": ["header", "x-api-version"],
                "msg": "Expected `int`, got `str`",
                "type": "invalid",
            }
        ]


@covers("parameters_body")
@pytest.mark.parametrize(
    ("path", "payload", "status", "expected"),
    [
        (
            "/ships",
            {"name": "Bluenose", "masts": 2},
            201,
            {"name": "Bluenose", "masts": 2, "home_port": None},
        ),
        ("/crews", {"captain": "Walters", "sailors": 20}, 200, {"captain": "Walters", "total": 21}),
        (
            "/cargo",
            [{"item": "fish", "tons": 2.5}, {"item": "salt", "tons": 1}],
            200,
            {"tons": 3.5},
        ),
        (
            "/voyages",
            {"origin": "Lunenburg", "destination": "Gloucester", "days": 3},
            200,
            {"origin": "Lunenburg", "destination": "Gloucester", "days": 3},
        ),
        ("/tags", ["b", "a", "b"], 200, ["a", "b"]),
    ],
)
def test_body_models(path: str, payload: Any, status: int, expected: Any) -> None:
    """Structs, dataclasses, TypedDicts, pydantic models and Body() lists decode the body."""
    with TestClient(app_of("parameters_body")) as client:
        response = client.post(path, json=payload)
        assert response.status_code == status
        assert response.json() == expected


@covers("parameters_body")
@pytest.mark.parametrize(
    ("path", "payload", "errors"),
    [
        (
            "/ships",
            {"name": "", "masts": 9},
            [
                {
                    "loc": ["body", "name"],
                    "msg": "Expected `str` of length >= 1",
                    "type": "invalid",
                },
                {"loc": ["body", "masts"], "msg": "Expected `int` <= 7", "type": "invalid"},
            ],
        ),
        (
            "/cargo",
            [{"item": "fish"}],
            [
                {"loc": ["body", 0, "tons"], "msg": "Field required", "type": "missing"},
            ],
        ),
        (
            "/voyages",
            {"origin": "Lunenburg", "days": 0},
            [
                {"loc": ["body", "destination"], "msg": "Field required", "type": "missing"},
                {
                    "loc": ["body", "days"],
                    "msg": "Input should be greater than 0",
                    "type": "greater_than",
                },
            ],
        ),
    ],
)
def test_body_validation_errors(path: str, payload: Any, errors: list[Any]) -> None:
    """Every failing field of a body is reported, by msgspec and by pydantic alike."""
    with TestClient(app_of("parameters_body")) as client:
        response = client.post(path, json=payload)
        assert response.status_code == 422
        assert response.json()["errors"] == errors


@covers("parameters_body")
def test_missing_and_malformed_body() -> None:
    """No body is a 422 (the field is missing); malformed JSON is a 400."""
    with TestClient(app_of("parameters_body")) as client:
        missing = client.post("/ships")
        assert missing.status_code == 422
        assert missing.json()["errors"] == [
            {"loc": ["body"], "msg": "A JSON body is required", "type": "missing"}
        ]
        malformed = client.post("/ships", content=b"{")
        assert malformed.status_code == 400
        assert malformed.json()["detail"] == "Malformed JSON body: Input data was truncated."


@covers("parameters_form")
def test_form_fields() -> None:
    """Urlencoded and multipart forms fill the model; list fields take repeated values."""
    with TestClient(app_of("parameters_form")) as client:
        expected = {"name": "Ada", "age": 36, "newsletter": True, "interests": ["sea", "maps"]}
        data = {"name": "Ada", "age": "36", "newsletter": "true", "interests": ["sea", "maps"]}
        assert client.post("/signup", data=data).json() == expected
        multipart = client.post("/signup", data=data, files={"unused": ("x.txt", b"x")})
        assert multipart.json() == expected
        invalid = client.post("/signup", data={"name": "Ada", "age": "old"})
        assert invalid.status_code == 422
        assert invalid.json()["errors"] == [
            {"loc": ["body", "age"], "msg": "Expected `int`, got `str`", "type": "invalid"}
        ]


@covers("parameters_form")
def test_upload() -> None:
    """A file field arrives as an UploadFile with its name, type and content."""
    content = b"\x89PNG" + b"x" * 2_000_000
    with TestClient(app_of("parameters_form")) as client:
        response = client.post(
            "/photos",
            data={"caption": "Bluenose"},
            files={"image": ("ship.png", content, "image/png")},
        )
        assert response.status_code == 201
        assert response.json() == {
            "caption": "Bluenose",
            "filename": "ship.png",
            "content_type": "image/png",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest()[:12],
        }
        missing = client.post("/photos", data={"caption": "Bluenose"})
        assert missing.status_code == 422
        assert missing.json()["errors"] == [
            {"loc": ["body", "image"], "msg": "Field required", "type": "missing"}
        ]


# -- dependencies -----------------------------------------------------------------------------


@covers("dependencies_basic")
def test_dependency_scopes_caching_and_cleanup(capsys: pytest.CaptureFixture[str]) -> None:
    """Request providers run once per request and clean up after it; app ones once per app."""
    with TestClient(app_of("dependencies_basic")) as client:
        ok = client.get("/ships/1", headers={"authorization": "Bearer captain"})
        assert ok.json() == {"name": "Bluenose", "user": "captain", "same_session": True}
        assert capsys.readouterr().out.splitlines() == [
            "database opened",
            "session opened",
            "handler ran",
            "session closed",
        ]
        missing = client.get("/ships/9", headers={"authorization": "Bearer captain"})
        assert missing.status_code == 404
        assert capsys.readouterr().out.splitlines() == [
            "session opened",
            "handler ran",
            "session closed",
        ]
        refused = client.get("/ships/1")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    assert capsys.readouterr().out.splitlines() == [
        "session opened",
        "session closed",
        "database closed",
    ]


@covers("dependencies_provide")
def test_provide_by_type() -> None:
    """An app-scoped provider keeps its value across requests; a request one does not."""
    with TestClient(app_of("dependencies_provide")) as client:
        assert client.get("/tick").json() == {"tick": 1, "log": ["ticked"]}
        assert client.get("/tick").json() == {"tick": 2, "log": ["ticked"]}


@covers("dependencies_routes")
def test_router_and_route_dependencies() -> None:
    """Router dependencies guard every route of the router; route ones guard one route."""
    with TestClient(app_of("dependencies_routes")) as client:
        assert client.get("/admin/stats").status_code == 403
        assert client.get("/admin/stats", headers={"x-role": "admin"}).json() == {"ships": 2}
        limited = client.post("/messages")
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "60"


@covers("dependencies_routes")
def test_dependency_overrides() -> None:
    """Overrides replace a provider for the length of a block."""
    module = load("dependencies_routes")
    # --8<-- [start:overrides]
    with TestClient(module.app) as client:
        assert client.post("/messages").status_code == 429
        # Inside the block, rate_limit is replaced by a function that lets everything through.
        with client.override(module.rate_limit, lambda: None):
            assert client.post("/messages").json() == {"sent": True}
        assert client.post("/messages").status_code == 429

        # The same, without the test client's help: a plain dict on the app.
        module.app.dependency_overrides[module.require_admin] = lambda: None
        assert client.get("/admin/stats").json() == {"ships": 2}
        module.app.dependency_overrides.clear()
    # --8<-- [end:overrides]


@covers("dependencies_cycle")
def test_dependency_cycle_fails_at_startup() -> None:
    """A dependency cycle is refused when the app is built, naming every provider in it."""
    app = app_of("dependencies_cycle")
    with pytest.raises(ImproperlyConfigured) as error:
        app.build()
    assert shown_error(error.value, "dependencies_cycle") == expected_text("dependencies_cycle")


@covers("dependencies_transaction")
def test_transaction_commits_or_rolls_back() -> None:
    """Code after yield commits on success; the handler's exception makes it roll back."""
    with TestClient(app_of("dependencies_transaction")) as client:
        assert client.post("/withdraw?amount=30").json() == {"withdrawn": 30}
        assert client.get("/balance").json() == {"balance": 70}
        refused = client.post("/withdraw?amount=300")
        assert refused.status_code == 409
        assert refused.json()["detail"] == "Insufficient funds."
        assert client.get("/balance").json() == {"balance": 70}


# -- middleware -------------------------------------------------------------------------------


@covers("middleware_order")
def test_middleware_runs_in_declaration_order() -> None:
    """The first declared layer sees the request first and the response last."""
    with TestClient(app_of("middleware_order")) as client:
        api = client.get("/api/ships/1")
        assert api.json() == {"ship_id": 1, "seen": ["outer", "server_timing", "inner", "api"]}
        # Headers are added on the way out: innermost layer first.
        assert api.headers.get_list("x-stamp") == ["api", "inner", "outer"]
        assert api.headers["server-timing"].startswith("app;dur=")
        root = client.get("/")
        assert root.json() == ["outer", "server_timing", "inner"]
        assert root.headers.get_list("x-stamp") == ["inner", "outer"]


@covers("middleware_order", "middleware_position")
@pytest.mark.parametrize(
    ("example", "args"),
    [
        ("middleware_order", ["--path", "/api/ships/1"]),
        ("middleware_position", []),
    ],
)
def test_schooner_middleware_output(example: str, args: list[str]) -> None:
    """`schooner middleware` prints the chain the docs show, outermost layer first."""
    from click.testing import CliRunner

    from schooner.cli import main

    path = EXAMPLES / f"{example}.py"
    result = CliRunner().invoke(main, ["middleware", str(path), *args])
    assert result.exit_code == 0, result.output
    assert result.output == expected_text(example)


@covers("middleware_position")
def test_middleware_position() -> None:
    """before= and after= place layers next to a named one, whatever the declaration order."""
    app = app_of("middleware_position")
    assert app.middleware_chain("/") == [
        "ServerErrorMiddleware",
        "Compression",
        "request_id",
        "sessions",
        "auth",
        "ExceptionMiddleware",
        "Router",
        "docs_example_middleware_position.index",
    ]
    with TestClient(app) as client:
        response = client.get("/", headers={"x-request-id": "abc"})
        assert response.json() == {"ok": True}
        assert response.headers["x-request-id"] == "abc"


# -- errors -----------------------------------------------------------------------------------


@covers("errors_basic")
@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/items/rope", 200, "application/json", {"name": "rope"}),
        (
            "/items/anchor",
            409,
            "application/problem+json",
            {
                "type": "https://example.com/problems/out-of-stock",
                "title": "Conflict",
                "status": 409,
                "detail": "'anchor' is out of stock.",
                "item": "anchor",
            },
        ),
        (
            "/items/secret",
            403,
            "application/problem+json",
            {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": "Not for you."},
        ),
        ("/items/ghost", 404, "application/json", {"missing": "/items/ghost"}),
        ("/nowhere", 404, "application/json", {"missing": "/nowhere"}),
    ],
)
def test_http_errors_and_status_handlers(
    path: str, status: int, content_type: str, body: Any
) -> None:
    """HTTPExceptions become problem documents unless a status handler answers them."""
    with TestClient(app_of("errors_basic")) as client:
        response = client.get(path)
        assert response.status_code == status
        assert response.headers["content-type"] == content_type
        assert response.json() == body


@covers("errors_basic")
def test_exception_handler_by_type() -> None:
    """A handler registered for an exception class answers it."""
    with TestClient(app_of("errors_basic")) as client:
        declined = client.post("/checkout?card=0123")
        assert declined.status_code == 402
        assert declined.json() == {"error": "payment declined", "reason": "card expired"}
        assert client.post("/checkout?card=4111").json() == {"paid": True}
        assert client.get("/items/secret").headers["x-reason"] == "private"


@covers("errors_basic")
def test_unhandled_error_is_a_500_with_request_id(caplog: pytest.LogCaptureFixture) -> None:
    """In production a bug is a bare 500 problem carrying the request id, and it is logged."""
    with TestClient(app_of("errors_basic"), raise_server_exceptions=False) as client:
        response = client.get("/crash", headers={"x-request-id": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server hit an unexpected error. Quote the request id when reporting it.",
        "request_id": "req-42",
    }
    assert "the mainsail tore" not in response.text
    assert "Unhandled RuntimeError in GET /crash (request id req-42)" in caplog.text


@covers("errors_basic")
def test_debug_error_page() -> None:
    """In debug mode the 500 carries the traceback: HTML for browsers, JSON otherwise."""
    app = app_of("errors_basic")
    app.debug = True
    local = ("127.0.0.1", 50000)  # the page is only shown to clients on this machine
    with TestClient(app, raise_server_exceptions=False, client=local) as client:
        api = client.get("/crash")
        assert api.status_code == 500
        assert api.json()["detail"] == "RuntimeError: the mainsail tore"
        assert api.json()["traceback"][-1]["function"] == "crash"
        page = client.get("/crash", headers={"accept": "text/html"})
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "<h1>RuntimeError: the mainsail tore</h1>" in page.text


@covers("errors_basic")
def test_errors_reach_the_test_by_default() -> None:
    """By default the test client re-raises the bug so the test shows its traceback."""
    with (
        TestClient(app_of("errors_basic")) as client,
        pytest.raises(RuntimeError, match="the mainsail tore"),
    ):
        client.get("/crash")


@covers("errors_500")
def test_custom_500_handler(caplog: pytest.LogCaptureFixture) -> None:
    """A 500 handler renders the page after the error is logged, with the request id."""
    with TestClient(app_of("errors_500"), raise_server_exceptions=False) as client:
        response = client.get("/crash", headers={"x-request-id": "abc"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "abc"
    assert response.text == ("<h1>Something went wrong</h1><p>Reference: <code>abc</code></p>")
    assert "Unhandled ZeroDivisionError in GET /crash (request id abc)" in caplog.text


def test_handler_for_exception_type_catches_http_errors(caplog: pytest.LogCaptureFixture) -> None:
    """As errors.md warns, a handler for the type Exception also answers 404s and logs nothing."""
    app = App()

    @app.exception_handler(Exception)
    async def everything(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(type(exc).__name__, status_code=500)

    with TestClient(app) as client:
        response = client.get("/nowhere")
    assert (response.status_code, response.text) == (500, "NotFound")
    assert "x-request-id" not in response.headers
    assert "Unhandled" not in caplog.text


# -- lifespan ---------------------------------------------------------------------------------


@covers("lifespan_basic")
def test_lifespan_order(capsys: pytest.CaptureFixture[str]) -> None:
    """Hooks run in declaration order; lifespans enter after startup hooks, exit last."""
    with TestClient(app_of("lifespan_basic")) as client:
        assert capsys.readouterr().out.splitlines() == [
            "startup: fixtures loaded",
            "startup: cache warmed",
            "lifespan: pool opened",
        ]
        assert client.get("/pool").json() == {"open": True}
    assert capsys.readouterr().out.splitlines() == [
        "shutdown: metrics flushed",
        "lifespan: pool closed",
    ]


@covers("lifespan_failure")
def test_failed_startup_stops_the_app() -> None:
    """A startup hook that raises fails the lifespan with the error's message."""
    app = app_of("lifespan_failure")
    with (
        pytest.raises(RuntimeError, match="ConnectionError: database at db:5432 is unreachable"),
        TestClient(app),
    ):
        pass


# -- components -------------------------------------------------------------------------------


@covers("components_example")
def test_component_contributions() -> None:
    """The component adds routes, a provider, a hook, middleware and a command."""
    module = load("components_example")
    app = module.app
    with TestClient(app) as client:
        assert client.get("/").json() == {"ready": True}
        assert client.get("/_health/live").json() == {"status": "alive"}
        ready = client.get("/_health/ready")
        assert ready.status_code == 200
        assert ready.json()["uptime"] >= 0
        assert ready.headers["x-uptime"].isdigit()
    assert [c.name for c in app.commands] == ["health"]
    component = app.component(module.HealthCheck)
    assert component is not None
    assert component.prefix == "/_health"
    assert app.url_path_for("health_ready") == "/_health/ready"


@covers("components_example")
def test_component_before_startup() -> None:
    """Before the startup hook has run, the readiness route answers 503."""
    client = TestClient(app_of("components_example"), lifespan=False)
    try:
        response = client.get("/_health/ready")
        assert response.status_code == 503
        assert response.text == "starting"
    finally:
        client.close()


@covers("components_example")
def test_component_command() -> None:
    """The component's click command is available from the schooner CLI for this app."""
    from click.testing import CliRunner

    from schooner.cli import main

    path = EXAMPLES / "components_example.py"
    result = CliRunner().invoke(main, ["--app", str(path), "health"])
    assert result.exit_code == 0, result.output
    assert result.output == "/_health/live /_health/ready\n"


def maintenance_app(module: ModuleType, **config: Any) -> App:
    """The maintenance example's site, built with the given maintenance options."""
    settings = module.SiteSettings(maintenance=module.MaintenanceConfig(**config))
    app = module.create_app(settings)
    assert isinstance(app, App)
    return app


@covers("components_maintenance")
def test_maintenance_off_serves_everything() -> None:
    """With maintenance off (the default settings), every route answers."""
    with TestClient(app_of("components_maintenance")) as client:
        assert "Welcome aboard." in client.get("/").text
        assert "banner" not in client.get("/").text
        assert client.post("/timetable").status_code == 200


@covers("components_maintenance")
def test_maintenance_refuses_by_each_routes_metadata() -> None:
    """On: closed routes answer 503 with Retry-After, read-only ones keep their reads."""
    module = load("components_maintenance")
    with TestClient(maintenance_app(module, enabled=True, retry_after=120)) as client:
        refused = client.get("/")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "120"
        assert refused.headers["content-type"] == "application/problem+json"
        assert client.get("/timetable").json() == ["08:15 Portsmouth", "09:40 Ryde"]
        assert client.post("/timetable").status_code == 503
        assert client.get("/health").text == "up"
        page = client.get("/", headers={"accept": "text/html"})  # the templates battery's page
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")


# --8<-- [start:maintenance_tests]
@covers("components_maintenance")
def test_staff_pass_and_see_the_banner() -> None:
    """A staff session passes the middleware; the context provider shows the banner."""
    from schooner.contrib.sessions.testing import write_session

    module = load("components_maintenance")
    with TestClient(maintenance_app(module, enabled=True)) as client:
        write_session(client, {"staff": True})
        page = client.get("/")
        assert page.status_code == 200
        assert "Maintenance is on" in page.text
        assert client.post("/timetable").text == "added"


@covers("components_maintenance")
def test_the_provider_lets_staff_switch_maintenance() -> None:
    """Handlers get the component by type; staff turn maintenance on at run time."""
    from schooner.contrib.sessions.testing import write_session

    module = load("components_maintenance")
    app = maintenance_app(module)
    with TestClient(app) as visitor, TestClient(app) as staff:
        assert visitor.post("/admin/maintenance?on=true").status_code == 403
        write_session(staff, {"staff": True})
        assert staff.post("/admin/maintenance?on=true").json() == {"maintenance": True}
        assert visitor.get("/").status_code == 503
        assert staff.post("/admin/maintenance?on=false").json() == {"maintenance": False}
        assert visitor.get("/").status_code == 200


@covers("components_maintenance")
def test_maintenance_is_a_settings_block(tmp_path: Path) -> None:
    """[schooner.maintenance] in schooner.toml configures the component; bad values fail."""
    module = load("components_maintenance")
    toml = tmp_path / "schooner.toml"
    toml.write_text('[schooner.maintenance]\nenabled = true\ndefault = "read-only"\n')
    settings = module.SiteSettings.load(toml_file=toml, env_file=None, environ={})
    with TestClient(module.create_app(settings)) as client:
        assert client.get("/").status_code == 200  # read-only by default now
        assert client.post("/timetable").status_code == 503
    toml.write_text("[schooner.maintenance]\nretry_after = 0\n")
    with pytest.raises(ImproperlyConfigured, match="retry_after"):
        module.SiteSettings.load(toml_file=toml, env_file=None, environ={})


@covers("components_maintenance")
def test_maintenance_without_sessions_is_a_startup_error() -> None:
    """The requirement on Sessions is checked when the app is made, with the fix."""
    module = load("components_maintenance")
    with pytest.raises(
        ImproperlyConfigured,
        match=r"Maintenance\(\) needs Sessions\(\): add Sessions\(\) before Maintenance\(\)",
    ):
        App(components=[module.Maintenance()])


# --8<-- [end:maintenance_tests]


@covers("components_maintenance")
def test_bad_options_are_refused_where_they_are_written() -> None:
    """A wrong mode fails where the route is declared; a wrong setting where it is loaded."""
    module = load("components_maintenance")
    with pytest.raises(ImproperlyConfigured, match="during_maintenance"):
        module.during_maintenance("sometimes")
    with pytest.raises(ImproperlyConfigured, match=r"maintenance\.default is one of"):
        module.MaintenanceConfig(default="ajar")


# -- every example is tested ------------------------------------------------------------------


def test_every_docs_example_is_tested() -> None:
    """Each file in examples/docs/ is exercised by a test here or in a sibling module.

    Sibling modules (test_settings_examples.py, …) name the files they load.
    """
    siblings = " ".join(
        path.read_text()
        for path in Path(__file__).parent.glob("test_*.py")
        if path.name != Path(__file__).name
    )
    # A sibling names a file it loads as "name.py" or as the quoted "name" it passes on.
    mentioned = {
        path.stem
        for path in EXAMPLES.glob("*.py")
        if f"{path.stem}.py" in siblings or f'"{path.stem}"' in siblings
    }
    assert {path.stem for path in EXAMPLES.glob("*.py")} == TESTED | mentioned


# -- routing: namespaces and metadata ---------------------------------------------------------


@covers("routing_namespaces")
def test_namespaced_names() -> None:
    """Two routers share the short name 'index'; their namespaces tell them apart."""
    app = app_of("routing_namespaces")
    assert app.url_path_for("polls:index") == "/polls/"
    assert app.url_path_for("blog:index") == "/blog/"
    with TestClient(app, root_path="/harbour") as client:
        assert client.get("/polls/7/").json() == {
            "self": "/harbour/polls/7/",
            "blog": "/harbour/blog/",
        }


@covers("routing_meta")
def test_route_metadata_example() -> None:
    """The router's limit and the route's own both apply; the hook is exempt from CSRF."""
    from schooner.contrib.ratelimit import RateLimitRule

    app = app_of("routing_meta")
    search = next(r for r in app.route_table if r.name == "search")
    assert [rule.limit for rule in search.find_all(RateLimitRule)] == ["100/minute", "5/second"]
    with TestClient(app) as client:
        hook = client.post("/hooks/payments", headers={"origin": "https://payments.example"})
        refused = client.post("/api/search", headers={"origin": "https://evil.example"})
        assert [client.post("/api/search").status_code for _ in range(6)][-1] == 429
    assert hook.text == "ok"
    assert refused.status_code == 403
