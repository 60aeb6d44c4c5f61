"""OpenAPI 3.1: the document generated from your routes, and an offline docs UI.

Every app serves its document at ``/openapi.json`` and Swagger UI at ``/docs`` (both
configurable with :class:`OpenAPI`, both can be turned off). Nothing is written twice: the
path template, the parameters' annotations and markers, the body type, the return
annotation, the docstring and the decorator options (``tags``, ``summary``, ``responses``,
``deprecated``, ``include_in_schema``, ``operation_id``) are the document::

    app = App(openapi=OpenAPI(title="Shop", version="2.1.0"))

    @app.get("/items/{item_id:int}", tags=["items"], responses={404: "No such item"})
    async def get_item(item_id: int) -> Item:
        \"\"\"Return one item.\"\"\"

``schooner openapi app:app`` prints the document; :func:`build_document` returns it.
Dependencies that authenticate declare their scheme with :func:`security`.
"""

from __future__ import annotations

from schooner.openapi._config import DocumentsOperations, OpenAPI, OperationDocs, security
from schooner.openapi._generator import build_document

__all__ = ["DocumentsOperations", "OpenAPI", "OperationDocs", "build_document", "security"]
