"""The OpenAPI document generated from routes, annotations, markers and options."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, TypedDict

import msgspec
import pydantic
import pytest
from openapi_spec_validator import validate

from schooner import (
    App,
    Body,
    Cookie,
    Form,
    Header,
    HTMLResponse,
    Inject,
    Path,
    Query,
    Request,
    Response,
    Router,
    UploadFile,
)
from schooner.exceptions import ImproperlyConfigured
from schooner.http import EventSourceResponse, FileResponse, RedirectResponse
from schooner.openapi import OpenAPI, build_document, security
from schooner.websockets import WebSocket


class Ship(msgspec.Struct):
    """A ship in the fleet."""

    id: int
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    tags: list[str] = []


class NewShip(msgspec.Struct):
    name: str
    crew: Annotated[int, msgspec.Meta(ge=1)] = 1


@dataclasses.dataclass
class Port:
    city: str
    code: str | None = None


class Cargo(TypedDict):
    weight: float


class Sailor(pydantic.BaseModel):
    name: str
    rank: int = pydantic.Field(ge=0)


class Photo(msgspec.Struct):
    caption: str
    image: UploadFile


class Profile(msgspec.Struct):
    nickname: str
    age: int


async def paging(limit: Annotated[int, Query(ge=1)] = 10) -> int:
    return limit


async def also_paging(limit: Annotated[int, Query(ge=1)] = 10) -> int:
    return limit


@security("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
async def current_user(authorization: Annotated[str, Header()]) -> str:
    return authorization


@security("oauth", {"type": "oauth2", "flows": {}}, scopes=["ships:write"])
async def writer(user: Annotated[str, Inject(current_user)]) -> str:
    return user


class Opaque:
    """A class msgspec knows nothing about."""


class ShipOut(msgspec.Struct):
    id: int


class ShipRow:
    """Stands for a database row that is sent as its wire Struct."""

    @classmethod
    def __wire_schema__(cls) -> type[ShipOut]:
        return ShipOut


async def pool() -> AsyncIterator[int]:
    yield 1


def make_app(**options: Any) -> App:
    return App(**options)


def document_of(app: App) -> dict[str, Any]:
    """Build the document and check it against the OpenAPI 3.1 meta-schema."""
    document = build_document(app)
    validate(document)
    return document


def operation(document: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    result: dict[str, Any] = document["paths"][path][method]
    return result


def params_by_name(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", [])}


def test_info_and_version() -> None:
    """The document is OpenAPI 3.1.0 with the configured info."""
    app = App(
        openapi=OpenAPI(
            title="Fleet",
            version="2.1.0",
            summary="Ships.",
            description="All about ships.",
            contact={"name": "Crew", "email": "crew@example.com"},
            license={"name": "MIT", "identifier": "MIT"},
            terms_of_service="https://example.com/terms",
        )
    )
    document = document_of(app)
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {
        "title": "Fleet",
        "version": "2.1.0",
        "summary": "Ships.",
        "description": "All about ships.",
        "termsOfService": "https://example.com/terms",
        "contact": {"name": "Crew", "email": "crew@example.com"},
        "license": {"name": "MIT", "identifier": "MIT"},
    }
    assert "servers" not in document


def test_path_template_and_converters() -> None:
    """Converters become typed path parameters; the template loses the converter names."""
    app = make_app()

    @app.get("/ships/{ship_id:int}/ports/{code:slug}/{key:uuid}/{ratio:float}/{rest:path}")
    async def deep(ship_id: int, code: str, key: uuid.UUID, ratio: float, rest: str) -> None:
        """Nothing."""

    document = document_of(app)
    path = "/ships/{ship_id}/ports/{code}/{key}/{ratio}/{rest}"
    params = params_by_name(operation(document, path))
    assert list(params) == ["ship_id", "code", "key", "ratio", "rest"]
    assert all(p["in"] == "path" and p["required"] for p in params.values())
    assert params["ship_id"]["schema"] == {"type": "integer", "minimum": 0}
    assert params["code"]["schema"] == {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}
    assert params["key"]["schema"] == {"type": "string", "format": "uuid"}
    assert params["ratio"]["schema"] == {"type": "number", "minimum": 0}
    assert params["rest"]["schema"] == {"type": "string"}


def test_path_parameter_constraints_and_description_are_kept() -> None:
    """Path(ge=…) tightens the converter's schema and adds the description."""
    app = make_app()

    @app.get("/ships/{ship_id:int}")
    async def ship(ship_id: Annotated[int, Path(ge=1, description="The ship's number.")]) -> None:
        """Nothing."""

    params = params_by_name(operation(document_of(app), "/ships/{ship_id}"))
    assert params["ship_id"]["schema"] == {"type": "integer", "minimum": 1}
    assert params["ship_id"]["description"] == "The ship's number."


def test_query_header_cookie_parameters() -> None:
    """Locations, aliases, constraints, lists, defaults, descriptions and examples."""
    app = make_app()

    @app.get("/search")
    async def search(
        page_size: Annotated[int, Query(ge=1, le=500, alias="page-size")] = 50,
        tag: Annotated[list[str], Query(description="Repeat to filter by several tags.")] = [],  # noqa: B006
        q: Annotated[str, Query(min_length=2, examples=("brig", "sloop"))] = "",
        old: Annotated[str | None, Query(deprecated=True)] = None,
        hidden: Annotated[str | None, Query(include_in_schema=False)] = None,
        user_agent: Annotated[str | None, Header()] = None,
        x_trace: Annotated[str, Header(alias="X-Trace-Id")] = "",
        session: Annotated[str | None, Cookie()] = None,
        required: int = Query(),
    ) -> list[Ship]:
        """Search ships."""
        return []

    params = params_by_name(operation(document_of(app), "/search"))
    assert set(params) == {
        "page-size",
        "tag",
        "q",
        "old",
        "user-agent",
        "X-Trace-Id",
        "session",
        "required",
    }
    assert params["page-size"] == {
        "name": "page-size",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
    }
    assert params["tag"]["schema"] == {"type": "array", "items": {"type": "string"}, "default": []}
    assert params["tag"]["description"] == "Repeat to filter by several tags."
    # The default "" breaks its own constraint: it is not shown as a default.
    assert params["q"]["schema"] == {"type": "string", "minLength": 2}
    assert params["q"]["examples"] == {
        "example1": {"value": "brig"},
        "example2": {"value": "sloop"},
    }
    assert params["old"]["deprecated"] is True
    assert params["old"]["schema"] == {"type": "string"}
    assert params["user-agent"]["in"] == "header"
    assert params["X-Trace-Id"]["in"] == "header"
    assert params["session"]["in"] == "cookie"
    assert params["required"]["required"] is True


def test_dependency_parameters_are_listed_once() -> None:
    """Parameters read by dependencies appear on the operation, shared ones once."""
    app = make_app()

    @app.get("/ships")
    async def ships(
        limit: Annotated[int, Inject(paging)], again: Annotated[int, Inject(also_paging)]
    ) -> list[Ship]:
        """List ships."""
        return []

    params = operation(document_of(app), "/ships")["parameters"]
    assert [p["name"] for p in params] == ["limit"]


def test_json_bodies_of_every_kind() -> None:
    """Structs, dataclasses, TypedDicts and pydantic models are JSON bodies with schemas."""
    app = make_app()

    @app.post("/ships", status_code=201)
    async def create(body: NewShip) -> Ship:
        """Create."""
        return Ship(1, body.name)

    @app.post("/ports")
    async def port(body: Port) -> Port:
        """Port."""
        return body

    @app.post("/cargo")
    async def cargo(body: Annotated[Cargo, Body(description="What to load.")]) -> Cargo:
        """Cargo."""
        return body

    @app.post("/sailors")
    async def sailor(body: Sailor) -> Sailor:
        """Sailor."""
        return body

    document = document_of(app)
    schemas = document["components"]["schemas"]
    create_op = operation(document, "/ships", "post")
    assert create_op["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewShip"}}},
    }
    assert schemas["NewShip"]["properties"]["crew"] == {
        "type": "integer",
        "minimum": 1,
        "default": 1,
    }
    assert "201" in create_op["responses"]
    assert create_op["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Ship"
    }
    assert schemas["Ship"]["description"] == "A ship in the fleet."
    assert set(schemas["Port"]["required"]) == {"city"}
    cargo_body = operation(document, "/cargo", "post")["requestBody"]
    assert cargo_body["description"] == "What to load."
    assert schemas["Cargo"]["properties"] == {"weight": {"type": "number"}}
    assert operation(document, "/sailors", "post")["requestBody"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Sailor"}
    assert schemas["Sailor"]["properties"]["rank"]["minimum"] == 0


def test_body_errors_are_documented() -> None:
    """A body route documents 400, 413, 415 and the 422 validation problem."""
    app = make_app()

    @app.post("/ships")
    async def create(body: NewShip) -> None:
        """Create."""

    responses = operation(document_of(app), "/ships", "post")["responses"]
    assert set(responses) == {"204", "400", "413", "415", "422"}
    problem = responses["422"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/ValidationProblem"}
    assert responses["413"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemDetails"
    }
    assert "content" not in responses["204"]


def test_routes_without_inputs_have_no_422() -> None:
    """Only routes that validate input can answer 422."""
    app = make_app()

    @app.get("/")
    async def index() -> dict[str, str]:
        """Hello."""
        return {}

    assert set(operation(document_of(app), "/")["responses"]) == {"200"}


def test_form_and_multipart_bodies() -> None:
    """Form bodies accept both encodings; file fields make them multipart only."""
    app = make_app()

    @app.post("/profile")
    async def profile(form: Annotated[Profile, Form()]) -> None:
        """Save."""

    @app.post("/photos")
    async def photo(form: Annotated[Photo, Form()]) -> None:
        """Upload."""

    document = document_of(app)
    profile_content = operation(document, "/profile", "post")["requestBody"]["content"]
    assert set(profile_content) == {"multipart/form-data", "application/x-www-form-urlencoded"}
    photo_content = operation(document, "/photos", "post")["requestBody"]["content"]
    assert set(photo_content) == {"multipart/form-data"}
    image = document["components"]["schemas"]["Photo"]["properties"]["image"]
    assert image == {
        "type": "string",
        "format": "binary",
        "contentMediaType": "application/octet-stream",
    }


@pytest.mark.parametrize(
    ("returns", "status", "media", "schema"),
    [
        (str, "200", "text/plain", {"type": "string"}),
        (bytes, "200", "application/octet-stream", {"type": "string", "format": "binary"}),
        (HTMLResponse, "200", "text/html", {"type": "string"}),
        (FileResponse, "200", "application/octet-stream", {"type": "string", "format": "binary"}),
        (EventSourceResponse, "200", "text/event-stream", {"type": "string"}),
        (list[int], "200", "application/json", {"type": "array", "items": {"type": "integer"}}),
    ],
)
def test_response_content_from_the_return_annotation(
    returns: Any, status: str, media: str, schema: dict[str, Any]
) -> None:
    """The return annotation decides the success response's media type and schema."""
    app = make_app()

    async def handler() -> Any:
        """Handler."""

    handler.__annotations__["return"] = returns
    app.get("/x")(handler)
    responses = operation(document_of(app), "/x")["responses"]
    assert responses[status]["content"] == {media: {"schema": schema}}


def test_responses_without_a_body() -> None:
    """None is a 204, a redirect has no content, a bare Response has no schema."""
    app = make_app()

    @app.delete("/ships/{ship_id:int}")
    async def sink(ship_id: int) -> None:
        """Sink a ship."""

    @app.get("/old")
    async def old() -> RedirectResponse:
        """Moved."""
        return RedirectResponse("/new", 308)

    @app.get("/raw", status_code=202)
    async def raw() -> Response:
        """Raw."""
        return Response(b"")

    @app.get("/untyped")
    async def untyped():  # type: ignore[no-untyped-def]  # the point: no return annotation
        """No annotation."""
        return {}

    document = document_of(app)
    assert operation(document, "/ships/{ship_id}", "delete")["responses"]["204"] == {
        "description": "No Content"
    }
    assert "content" not in operation(document, "/old")["responses"]["200"]
    assert "content" not in operation(document, "/raw")["responses"]["202"]
    assert "content" not in operation(document, "/untyped")["responses"]["200"]


def test_declared_responses() -> None:
    """responses= adds descriptions, models (as problem documents for errors) and raw objects."""
    app = make_app()

    class Conflict(msgspec.Struct):
        detail: str
        existing: int

    @app.get(
        "/ships/{ship_id:int}",
        responses={
            404: "No such ship.",
            409: Conflict,
            202: {"description": "Queued.", "model": Ship},
            503: {
                "description": "Down.",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            },
        },
    )
    async def ship(ship_id: int) -> Ship:
        """One ship."""
        return Ship(ship_id, "x")

    responses = operation(document_of(app), "/ships/{ship_id}")["responses"]
    assert responses["404"] == {
        "description": "No such ship.",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
        },
    }
    assert responses["409"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Conflict"}}
    }
    assert responses["202"] == {
        "description": "Queued.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ship"}}},
    }
    assert responses["503"]["headers"] == {"Retry-After": {"schema": {"type": "integer"}}}
    assert list(responses) == sorted(responses)


def test_docstrings_options_tags_and_deprecation() -> None:
    """Summary and description come from the docstring unless options say otherwise."""
    app = make_app(openapi=OpenAPI(tags=[{"name": "fleet", "description": "Ships."}]))
    router = Router(prefix="/v1", tags=["v1"])

    @router.get("/ships", tags=["fleet"])
    async def ships() -> list[Ship]:
        """List ships.

        Ordered by name, then by id.
        """
        return []

    @router.get("/legacy", summary="Old list", description="Use /v1/ships.", deprecated=True)
    async def legacy() -> list[Ship]:
        """Ignored docstring."""
        return []

    app.include(router)
    document = document_of(app)
    listed = operation(document, "/v1/ships")
    assert listed["summary"] == "List ships."
    assert listed["description"] == "Ordered by name, then by id."
    assert listed["tags"] == ["v1", "fleet"]
    old = operation(document, "/v1/legacy")
    assert (old["summary"], old["description"], old["deprecated"]) == (
        "Old list",
        "Use /v1/ships.",
        True,
    )
    assert document["tags"] == [{"name": "fleet", "description": "Ships."}, {"name": "v1"}]


def test_operation_ids_are_stable_and_unique() -> None:
    """Ids come from route names, get a method suffix when shared, and never repeat."""
    app = make_app()

    @app.route("/ships", methods=["GET", "POST"])
    async def ships() -> None:
        """Both."""

    @app.get("/one", operation_id="fetchOne")
    async def one() -> None:
        """One."""

    @app.get("/two", operation_id="fetchOne")
    async def two() -> None:
        """Two."""

    document = document_of(app)
    assert operation(document, "/ships")["operationId"] == "ships_get"
    assert operation(document, "/ships", "post")["operationId"] == "ships_post"
    assert operation(document, "/one")["operationId"] == "fetchOne"
    assert operation(document, "/two")["operationId"] == "fetchOne_2"
    assert build_document(app) == document


def test_opting_out_websockets_and_mounts_are_not_operations() -> None:
    """include_in_schema=False, websocket routes, mounts and the docs routes are left out."""
    app = make_app()

    @app.get("/secret", include_in_schema=False)
    async def secret() -> None:
        """Hidden."""

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        """Socket."""

    async def other(scope: Any, receive: Any, send: Any) -> None:
        """Another ASGI app."""

    app.mount("/other", other)

    @app.get("/shown")
    async def shown() -> None:
        """Shown."""

    assert list(document_of(app)["paths"]) == ["/shown"]


def test_security_from_dependencies_and_config() -> None:
    """A provider marked with @security secures every operation that depends on it."""

    app = make_app(
        openapi=OpenAPI(
            security_schemes={"apiKey": {"type": "apiKey", "in": "header", "name": "X-Key"}},
            security=[{"apiKey": []}],
        )
    )

    @app.get("/me")
    async def me(user: Annotated[str, Inject(current_user)]) -> str:
        """Who am I."""
        return user

    @app.post("/ships", dependencies=[Inject(writer)])
    async def create(body: NewShip) -> None:
        """Create."""

    @app.get("/public")
    async def public() -> None:
        """Open."""

    document = document_of(app)
    assert operation(document, "/me")["security"] == [{"bearer": []}]
    # The route's own dependency first, then what it depends on.
    assert operation(document, "/ships", "post")["security"] == [
        {"oauth": ["ships:write"]},
        {"bearer": []},
    ]
    assert "security" not in operation(document, "/public")
    assert document["security"] == [{"apiKey": []}]
    assert set(document["components"]["securitySchemes"]) == {"apiKey", "bearer", "oauth"}


def test_types_that_cannot_be_described_accept_anything() -> None:
    """An injected or returned class msgspec cannot describe gets the empty schema."""
    app = make_app()

    @app.get("/opaque")
    async def opaque() -> Opaque:
        """Returns something custom."""
        return Opaque()

    responses = operation(document_of(app), "/opaque")["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {}


def test_wire_schema_hook() -> None:
    """A class with __wire_schema__ is documented as the type that goes on the wire."""

    app = make_app()

    @app.get("/row")
    async def row() -> list[ShipRow]:
        """Rows."""
        return []

    @app.get("/one-row")
    async def one_row() -> ShipRow:
        """Row."""
        return ShipRow()

    document = document_of(app)
    schema = operation(document, "/one-row")["responses"]["200"]["content"]["application/json"]
    assert schema == {"schema": {"$ref": "#/components/schemas/ShipOut"}}


def test_request_and_injected_values_are_not_parameters() -> None:
    """Request, app-scoped providers and Settings never show up as parameters."""
    app = make_app()

    @app.get("/x")
    async def x(request: Request, value: Annotated[int, Inject(pool, scope="app")]) -> None:
        """X."""

    op = operation(document_of(app), "/x")
    assert "parameters" not in op
    assert set(op["responses"]) == {"204"}


def test_servers_from_config() -> None:
    """Configured servers are written as given."""
    app = make_app(openapi=OpenAPI(servers=[{"url": "https://api.example.com"}]))
    assert document_of(app)["servers"] == [{"url": "https://api.example.com"}]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"openapi_url": "openapi.json"}, "must start with '/'"),
        ({"docs_url": "/docs/"}, "not end with '/'"),
        ({"openapi_url": None}, "needs the document"),
    ],
)
def test_bad_urls_are_configuration_errors(options: dict[str, Any], message: str) -> None:
    """URLs must be absolute paths; the UI cannot exist without the document."""
    with pytest.raises(ImproperlyConfigured, match=message):
        OpenAPI(**options)


def test_the_app_caches_its_document() -> None:
    """app.openapi_document() is generated once."""
    app = make_app()

    @app.get("/")
    async def index() -> None:
        """Hello."""

    assert app.openapi_document() is app.openapi_document()
