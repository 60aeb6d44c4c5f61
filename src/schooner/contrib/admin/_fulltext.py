"""PostgreSQL's full-text search for ``ModelAdmin(search="fulltext")``, and its fallback.

The condition is one expression that compiles per database: on PostgreSQL
``to_tsvector(fields) @@ websearch_to_tsquery(q)`` (the fields joined with spaces, in the
database's ``default_text_search_config``), elsewhere the case-insensitive search of every
word that ``"contains"`` uses. The change list, the export and the bulk actions thus share
one statement whatever the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["FullText"]


class FullText(ColumnElement[bool]):
    """``columns`` match the search ``text`` (see the module documentation).

    Args:
        columns: the searched columns (at least one).
        text: the visitor's search, in web search syntax.
        fallback: the condition other databases use.
    """

    type = Boolean()
    inherit_cache = False  # holds other clauses as attributes, which the cache key ignores

    def __init__(
        self, columns: list[ColumnElement[Any]], text: str, *, fallback: ColumnElement[bool]
    ) -> None:
        document: ColumnElement[Any] = func.coalesce(columns[0], "")
        for column in columns[1:]:
            document = document.concat(literal(" ")).concat(func.coalesce(column, ""))
        self.fulltext = func.to_tsvector(document).op("@@")(func.websearch_to_tsquery(text))
        self.fallback = fallback


@compiles(FullText)
def _elsewhere(element: FullText, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.fallback, **kw)


@compiles(FullText, "postgresql")
def _postgresql(element: FullText, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.fulltext, **kw)
