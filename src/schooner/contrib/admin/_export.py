"""The change list as CSV: ``admin:export`` (``label``, ``name``), ``.../export.csv``.

The export takes the list's query string (search, filters, sort; the page is ignored) and
streams every matching row with the list's columns, as the list shows them (an empty value
is an empty cell). Rows are read through a server-side cursor, ``BATCH`` at a time, and
each batch is sent before the next is read, so a large table is never held in memory.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) as a formula; as OWASP recommends against CSV injection, such a text cell is written
with a ``'`` in front, so it shows as text. Numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from schooner.contrib.admin._changelist import ListQuery, statements
from schooner.contrib.admin._permissions import require
from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._site import Site
from schooner.contrib.admin._values import display
from schooner.contrib.auth import Identity
from schooner.contrib.orm import Database
from schooner.http import Request, Response, StreamingResponse

__all__ = ["BATCH", "csv_cell", "export_pages"]

BATCH = 500
"""Rows read and sent at a time."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One cell: the list's text of ``value``, made safe to open in a spreadsheet."""
    if value is None or value == "":
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = display(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_pages(site: Site) -> None:
    """Register the export on the site's router."""

    @site.get("/{label}/{name}/export.csv", "export")
    async def export(request: Request, label: str, name: str, identity: Identity) -> Response:
        """Every row the list's query matches, as CSV (see the module documentation)."""
        model, perms = await site.model(identity, label, name)
        require(perms, "view", model)
        query = ListQuery.parse(request.query_params, model)
        filename = f"{model.label}-{model.name}.csv"
        return StreamingResponse(
            _chunks(site.admin.database, model, query),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


async def _chunks(database: Database, model: AdminModel, query: ListQuery) -> AsyncIterator[str]:
    """The header line, then the rows, a batch at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    titles = [column.title for column in model.columns] or [model.title]
    writer.writerow([csv_cell(title) for title in titles])
    yield _drain(buffer)
    made = statements(model, query)
    # A session of its own: the body is sent after the request's session is closed.
    async with database.transaction() as db:
        result = await db.stream(made.rows.execution_options(yield_per=BATCH))
        async for batch in result.partitions():
            for found in batch:  # the session holds its objects weakly: written, they go
                writer.writerow([csv_cell(value) for value in made.values(model, found)])
            yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
