"""Foreign keys as autocomplete inputs, and the JSON search they ask.

A foreign key named in ``autocomplete_fields`` is a text input that takes the related row's
id (so it works without JavaScript) instead of a select of every row, which a large table
cannot afford. The battery's ``admin/autocomplete.js`` (a static file, no inline script)
fills the input's ``<datalist>`` with the rows the related model's search finds as one types.

``admin:autocomplete`` (``GET /<label>/<model>/autocomplete?q=…&p=…``) answers
``{"results": [{"id": "3", "text": "What's up?"}], "more": false}``: the rows whose
``search_fields`` hold every word of ``q`` (ignoring case), or whose id is ``q``, 20 a page,
at most 50 pages. It needs the view permission of that model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from schooner.contrib.admin._permissions import require
from schooner.contrib.admin._plan import AdminModel, FieldPath
from schooner.contrib.admin._site import Site
from schooner.contrib.admin._values import object_label
from schooner.contrib.auth import Identity
from schooner.contrib.forms import Form
from schooner.contrib.orm import integer_bounds
from schooner.exceptions import NotFound
from schooner.http import JSONResponse, Request

__all__ = ["PAGE_SIZE", "autocomplete_page", "check_related", "current_labels"]

PAGE_SIZE = 20
MAX_PAGE = 50
MAX_TERMS = 10
MAX_LENGTH = 100
_UNWANTED = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")  # what databases refuse in text
_PAGE = re.compile(r"[0-9]{1,3}")


def autocomplete_page(site: Site) -> None:
    """Register ``admin:autocomplete``."""

    @site.get("/{label}/{name}/autocomplete", "autocomplete")
    async def autocomplete(
        request: Request, label: str, name: str, identity: Identity, db: AsyncSession
    ) -> JSONResponse:
        """Rows matching ``q``, for an autocomplete input: ids and labels, one page."""
        model, perms = await site.model(identity, label, name)
        require(perms, "view", model)
        params = request.query_params
        q = _UNWANTED.sub("", params.get("q", ""))[:MAX_LENGTH].strip()
        raw = params.get("p", "1")
        page = min(max(int(raw) if _PAGE.fullmatch(raw) else 1, 1), MAX_PAGE)
        pk = getattr(model.model, model.pk)
        statement = select(model.model).where(_matching(site, model, q)).order_by(pk)
        statement = statement.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        rows = list(await db.scalars(statement))
        results = [
            {"id": str(getattr(row, model.pk)), "text": object_label(row, model.verbose_name)}
            for row in rows[:PAGE_SIZE]
        ]
        more = len(rows) > PAGE_SIZE and page < MAX_PAGE
        return JSONResponse({"results": results, "more": more})


def _matching(site: Site, model: AdminModel, q: str) -> ColumnElement[bool]:
    """Every word in one of the search fields, or the id itself."""
    words = q.split()[:MAX_TERMS]
    if not words:
        return true()
    found = and_(*(or_(*(_contains(path, word) for path in model.search)) for word in words))
    try:
        key = site.key(model, q)
    except NotFound:
        return found
    column = model.mapper.primary_key[0]
    bounds = integer_bounds(column.type)
    if isinstance(key, int) and bounds is not None and not bounds[0] <= key <= bounds[1]:
        return found  # no key is that large
    return or_(found, column == key)


def _contains(path: FieldPath, word: str) -> ColumnElement[bool]:
    """``path`` holds ``word`` (through its relationships as ``EXISTS`` subqueries)."""
    condition: ColumnElement[bool] = path.column.icontains(word, autoescape=True)
    for relation in reversed(path.steps):
        condition = getattr(relation.parent.class_, relation.key).has(condition)
    return condition


async def current_labels(
    db: AsyncSession, model: AdminModel, values: Mapping[str, Any], labels: Mapping[type, str]
) -> dict[str, str]:
    """The label of the row each autocomplete field refers to (for its hint); ``values``
    are typed (a row's, or a valid form's)."""
    found = {}
    for name, target in model.autocomplete.items():
        value = values.get(name)
        if value is None:
            continue
        row = await db.get(target, value)
        if row is not None:
            found[name] = object_label(row, labels.get(target, target.__name__.lower()))
    return found


async def check_related(
    db: AsyncSession,
    model: AdminModel,
    form: Form,
    values: Mapping[str, Any],
    labels: Mapping[type, str],
) -> None:
    """Add an error to each autocomplete field whose id names no row."""
    for name, target in model.autocomplete.items():
        value = values.get(name)
        if value is not None and await db.get(target, value) is None:
            noun = labels.get(target, target.__name__.lower())
            form.add_error(name, f"There is no {noun} with the id {value}.")
