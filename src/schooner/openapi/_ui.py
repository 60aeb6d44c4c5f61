"""The routes that serve the OpenAPI document and the interactive docs UI.

The UI is Swagger UI, whose files ship inside the package (``openapi/static``), so ``/docs``
works on a machine with no internet access. The page has no inline script: a strict
Content-Security-Policy can allow it with ``script-src 'self'``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from schooner.exceptions import NotFound
from schooner.http.request import Request
from schooner.http.response import HTMLResponse, Response
from schooner.openapi._config import OpenAPI
from schooner.routing import Router

if TYPE_CHECKING:
    from schooner.app import App

__all__ = ["docs_router"]

STATIC = Path(__file__).parent / "static"
PAGE_SECURITY = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "schooner-docs.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{document}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{assets}/schooner-docs.js"></script>
</body>
</html>
"""


def docs_router(app: App, config: OpenAPI) -> Router:
    """Routes for ``config.openapi_url`` and ``config.docs_url`` (none when turned off)."""
    router = Router()
    openapi_url = config.openapi_url
    if openapi_url is None:
        return router

    async def openapi_document(request: Request) -> Response:
        root_path = request.scope.get("root_path", "")
        return Response(
            app.openapi_json(root_path=root_path),
            media_type="application/json",
        )

    router.add_route(
        openapi_url,
        openapi_document,
        methods=["GET"],
        name="schooner.openapi",
        include_in_schema=False,
    )
    docs_url = config.docs_url
    if docs_url is None:
        return router

    async def docs_page(request: Request) -> HTMLResponse:
        # The page sends its own strict policy (security-header layers keep a response's
        # own values): its scripts and styles are files served here, and Swagger UI draws
        # its icons from data: URLs.
        root_path = request.scope.get("root_path", "")
        page = PAGE.format(
            title=html.escape(f"{config.title} — API docs"),
            assets=html.escape(root_path + docs_url),
            document=html.escape(root_path + openapi_url),
        )
        return HTMLResponse(page, headers={"cache-control": "no-cache", **PAGE_SECURITY})

    async def docs_asset(asset: str) -> Response:
        media_type = ASSETS.get(asset)
        if media_type is None:
            raise NotFound(f"The docs UI has no file {asset!r}.")
        # Read once per request: the files are only fetched when a person opens the docs.
        return Response(
            (STATIC / asset).read_bytes(),
            media_type=media_type,
            headers={"cache-control": "public, max-age=86400"},
        )

    for handler in (openapi_document, docs_page, docs_asset):
        # ``schooner routes`` shows these as schooner.openapi.<name>, not as closures.
        handler.__module__, handler.__qualname__ = "schooner.openapi", handler.__name__
    router.add_route(
        docs_url, docs_page, methods=["GET"], name="schooner.docs", include_in_schema=False
    )
    router.add_route(
        docs_url + "/{asset}",
        docs_asset,
        methods=["GET"],
        name="schooner.docs_asset",
        include_in_schema=False,
    )
    return router
