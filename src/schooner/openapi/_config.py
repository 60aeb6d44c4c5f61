"""What the OpenAPI document says about the API as a whole, and where it is served."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.routing import RouteInfo

__all__ = ["DocumentsOperations", "OpenAPI", "OperationDocs", "security"]

F = TypeVar("F", bound=Callable[..., Any])

SECURITY_ATTRIBUTE = "__openapi_security__"


@dataclass(frozen=True, kw_only=True)
class OpenAPI:
    """Settings of the generated OpenAPI 3.1 document and its docs UI.

    Pass it as ``App(openapi=OpenAPI(title="Shop", version="2.1.0"))``; ``App(openapi=None)``
    serves neither the document nor the UI (``schooner openapi`` still writes it).

    Args:
        title, version, summary, description: the document's ``info``.
        terms_of_service, contact, license: more of ``info`` (``contact`` and ``license``
            are OpenAPI objects, e.g. ``{"name": "MIT", "identifier": "MIT"}``).
        openapi_url: where the JSON document is served; ``None`` serves no document (and
            then no UI either).
        docs_url: where the interactive docs UI is served; ``None`` turns it off. Its
            scripts and styles ship inside Schooner: it works with no internet access.
        servers: OpenAPI server objects; by default the document names the path the app
            is mounted at (``root_path``) when it is not the root.
        tags: tag objects (name, description, externalDocs) in the order they should be
            shown; tags that routes use but that are not listed here are added after them.
        security_schemes: schemes by name (``{"bearer": {"type": "http", "scheme":
            "bearer"}}``); schemes that dependencies declare with :func:`security` are
            added automatically.
        security: requirements for every operation (``[{"bearer": []}]``).
        external_docs: an OpenAPI external documentation object.
    """

    title: str = "Schooner API"
    version: str = "0.1.0"
    summary: str | None = None
    description: str | None = None
    terms_of_service: str | None = None
    contact: Mapping[str, Any] | None = None
    license: Mapping[str, Any] | None = None
    openapi_url: str | None = "/openapi.json"
    docs_url: str | None = "/docs"
    servers: Sequence[Mapping[str, Any]] = ()
    tags: Sequence[Mapping[str, Any]] = ()
    security_schemes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    security: Sequence[Mapping[str, Sequence[str]]] = ()
    external_docs: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for label, url in (("openapi_url", self.openapi_url), ("docs_url", self.docs_url)):
            if url is not None and (not url.startswith("/") or url.endswith("/")):
                raise ImproperlyConfigured(
                    f"OpenAPI {label} {url!r} must start with '/' and not end with '/' "
                    "(e.g. '/openapi.json', '/docs'); pass None to turn it off."
                )
        if self.docs_url is not None and self.openapi_url is None:
            raise ImproperlyConfigured(
                "The OpenAPI docs UI needs the document: set openapi_url, or docs_url=None."
            )


def security(
    name: str, scheme: Mapping[str, Any], *, scopes: Sequence[str] = ()
) -> Callable[[F], F]:
    """Declare that a dependency authenticates with the security scheme ``name``.

    Every operation that depends on the decorated provider (directly or through other
    dependencies) lists the requirement in the OpenAPI document, and the scheme is added to
    ``components.securitySchemes``::

        @security("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
        async def current_user(authorization: Annotated[str, Header()]) -> User: ...

    Args:
        name: the scheme's name in the document.
        scheme: the OpenAPI security scheme object.
        scopes: OAuth2 scopes the operation needs.
    """

    def decorate(provider: F) -> F:
        declared = list(getattr(provider, SECURITY_ATTRIBUTE, ()))
        declared.append((name, dict(scheme), list(scopes)))
        setattr(provider, SECURITY_ATTRIBUTE, declared)
        return provider

    return decorate


@dataclass(frozen=True, kw_only=True)
class OperationDocs:
    """What a component adds to one operation of the document.

    Attributes:
        security: alternative security requirements, each ``(scheme name, scheme object,
            scopes)``: the operation accepts any one of them (OpenAPI's ``security`` list).
            The schemes are added to ``components.securitySchemes``.
        responses: error statuses the component can answer for the operation, with a
            description; each is documented as a problem document.
    """

    security: Sequence[tuple[str, Mapping[str, Any], Sequence[str]]] = ()
    responses: Mapping[int, str] = field(default_factory=dict)


@runtime_checkable
class DocumentsOperations(Protocol):
    """A component that documents what it does to routes (an authentication battery adds
    its security requirements and its 401/403 answers). The generator asks every component
    of the app that has this method, once per operation."""

    def document_operation(self, route: RouteInfo, method: str) -> OperationDocs | None:
        """What to add to ``method`` on ``route``, or ``None`` for nothing."""
        ...
