"""The pages that read: the index, the change list and an object's history.

Mounted under ``AdminConfig.prefix`` in the ``admin`` namespace: ``admin:index``,
``admin:changelist`` (``label``, ``name``), ``admin:history`` (``label``, ``name``, ``pk``);
the pages that write are in ``_edit``, the list's bulk actions in ``_bulk``, its CSV
export in ``_export``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from schooner.contrib.admin._audit import history_of, recent_entries
from schooner.contrib.admin._autocomplete import autocomplete_page
from schooner.contrib.admin._bulk import available_actions, bulk_pages
from schooner.contrib.admin._changelist import ChangeList, ListQuery, change_list
from schooner.contrib.admin._dashboard import shown_panels
from schooner.contrib.admin._edit import edit_pages
from schooner.contrib.admin._export import export_pages
from schooner.contrib.admin._filters import filter_views
from schooner.contrib.admin._models import LogEntry
from schooner.contrib.admin._permissions import perms_of, require
from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._site import Site
from schooner.contrib.admin._values import display, humanize, object_label
from schooner.contrib.auth import Identity
from schooner.contrib.orm import AsyncSession
from schooner.exceptions import NotFound
from schooner.http import Request, Response
from schooner.routing import Router

if TYPE_CHECKING:
    from schooner.contrib.admin._component import Admin

__all__ = ["Header", "pages_router"]

GAP = None  # where page numbers are left out


@dataclass(frozen=True, slots=True)
class Header:
    """A column heading of the change list, with its sort link.

    Attributes:
        title: the heading.
        link: the query string that sorts by the column (toggling the direction when it is
            the current sort); ``None`` when it cannot sort.
        sort: ``"ascending"``, ``"descending"`` or ``None`` (for ``aria-sort``).
    """

    title: str
    link: str | None
    sort: str | None


def query_string(query: ListQuery, **changes: Any) -> str:
    """``?q=…&<filters>&o=…&p=…`` for ``query`` with ``changes`` (defaults left out)."""
    values = {"q": query.q, **dict(query.filters), "o": query.order, "p": query.page, **changes}
    params = [(k, str(v)) for k, v in values.items() if v not in (None, "") and (k, v) != ("p", 1)]
    return "?" + urlencode(params) if params else "?"


def headers(model: AdminModel, query: ListQuery) -> list[Header]:
    """The change list's headings: which sort, and in which direction."""
    if not model.columns:
        return [Header(model.verbose_name.capitalize(), None, None)]
    found = []
    current = (query.order or "").removeprefix("-")
    descending = (query.order or "").startswith("-")
    for column in model.columns:
        key = column.sort_key
        if key is None:
            found.append(Header(column.title, None, None))
            continue
        sort = None
        target = key
        if key == current:
            sort = "descending" if descending else "ascending"
            target = key if descending else "-" + key
        found.append(Header(column.title, query_string(query, o=target, p=None), sort))
    return found


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The page links to show: the first and last, and two on each side of ``page``."""
    shown = sorted({1, pages, *range(max(page - 2, 1), min(page + 2, pages) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(GAP)
        numbers.append(number)
    return numbers


def pages_router(admin: Admin) -> Router:
    """Every admin page (route names in the ``admin`` namespace)."""
    site = Site(admin)
    _index(site)
    _change_list(site)
    _history(site)
    edit_pages(site)
    autocomplete_page(site)
    bulk_pages(site)
    export_pages(site)
    return site.router


def _index(site: Site) -> None:
    @site.get("/", "index")
    async def index(identity: Identity, db: AsyncSession) -> Response:
        """Every model the user may use, by label, and the recent changes to them."""
        groups = []
        visible = []
        for label, models in site.registry.grouped():
            entries = []
            for model in models:
                perms = await perms_of(site.auth, identity, model)
                if perms.any:
                    entries.append((model, perms))
                if perms.view:
                    visible.append(model)
            if entries:
                groups.append((humanize(label), entries))
        limit = site.admin.config.recent_actions
        recent = [_entry(site, e) for e in await recent_entries(db, visible, limit=limit)]
        panels = await shown_panels(site.admin.dashboard, site.auth, identity, db)
        context = {"groups": groups, "recent": recent, "panels": panels}
        return site.page(None, "index", context)


def _entry(site: Site, entry: LogEntry) -> dict[str, Any]:
    model = site.registry.models.get((entry.label, entry.model))
    return {"entry": entry, "model": model, "linked": entry.action != "delete"}


def _change_list(site: Site) -> None:
    @site.get("/{label}/{name}", "changelist")
    async def changelist(
        request: Request, label: str, name: str, identity: Identity, db: AsyncSession
    ) -> Response:
        """One page of the model's rows: searched, sorted and numbered."""
        model, perms = await site.model(identity, label, name)
        require(perms, "view", model)
        query = ListQuery.parse(request.query_params, model)
        result = await change_list(db, model, query)
        context = _list_context(model, result, perms)
        context["filters"] = await filter_views(db, model.filters, dict(query.filters))
        context["actions"] = available_actions(model, perms)
        context["list_query"] = query_string(query).removeprefix("?")
        context["export_query"] = query_string(query, p=None)
        return site.page(model, "change_list", context)


def _list_context(model: AdminModel, result: ChangeList, perms: Any) -> dict[str, Any]:
    query = result.query
    return {
        "cl": result,
        "perms": perms,
        "headers": headers(model, query),
        "numbers": [
            (n, query_string(query, p=n) if n is not None else None)
            for n in page_numbers(result.page, result.pages)
        ],
        "previous": query_string(query, p=result.page - 1) if result.page > 1 else None,
        "next": query_string(query, p=result.page + 1) if result.page < result.pages else None,
        "searching": bool(model.search),
        "show_all": query_string(query, q=None, p=None),
        "clear_filters": query_string(ListQuery(q=query.q, order=query.order)),
    }


def _history(site: Site) -> None:
    @site.get("/{label}/{name}/{pk}/history", "history")
    async def history(
        label: str, name: str, pk: str, identity: Identity, db: AsyncSession
    ) -> Response:
        """Every change made to one row through the admin, oldest first (also once the
        row is deleted)."""
        model, perms = await site.model(identity, label, name)
        require(perms, "view", model)
        key = site.key(model, pk)  # as the log writes it: "7" for "07"
        try:
            obj = await site.find(db, model, pk)
        except NotFound:
            obj = None
        entries = await history_of(db, model, key)
        if obj is None and not entries:
            raise NotFound(f"There is no {model.verbose_name} {pk!r}.")
        title = (
            object_label(obj, model.verbose_name) if obj is not None else entries[-1].object_repr
        )
        rows = [(entry, _changes(model, entry)) for entry in entries]
        context = {"obj": obj, "pk": key, "title": title, "rows": rows, "perms": perms}
        return site.page(model, "history", context)


def _changes(model: AdminModel, entry: LogEntry) -> list[tuple[str, str, str]]:
    """``(field label, old, new)`` of an entry's changes, as the pages show values."""
    shown = []
    for change in entry.changes or []:
        if not isinstance(change, dict):
            continue
        name = str(change.get("field", ""))
        field = model.editable.get(name)
        title = field.label if field is not None else humanize(name)
        shown.append((title, display(change.get("old")), display(change.get("new"))))
    return shown
