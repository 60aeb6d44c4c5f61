"""The change list's bulk actions: ``admin:actions`` (``label``, ``name``), a form post.

The list's form posts the chosen ``action``, the checked rows' keys (``_selected``), or
every key of the page (``_page``, used when "select all on this page" is checked), and the
list's query string (``_list``) to go back to. Each action needs its permission (hidden
from the select and refused with ``403`` otherwise). "Delete selected" shows the preview
of everything the deletion removes first, and deletes on a second post (``_confirm``);
custom actions run at once. Every row changed or deleted gets an audit-log entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from schooner.contrib.admin._actions import DELETE_SELECTED, Action
from schooner.contrib.admin._audit import Change, changes_between, record, snapshot
from schooner.contrib.admin._cascade import Preview, preview_deletion
from schooner.contrib.admin._options import MAX_PER_PAGE
from schooner.contrib.admin._permissions import ModelPerms, perms_of, require
from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._site import Site, redirect
from schooner.contrib.admin._values import object_label, storable
from schooner.contrib.auth import Identity
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Flash
from schooner.datastructures import FormData
from schooner.exceptions import BadRequest, NotFound
from schooner.http import Request, Response

__all__ = ["available_actions", "bulk_pages"]

REFUSED = "The database refused it: other records still refer to some of these rows."


def available_actions(model: AdminModel, perms: ModelPerms) -> list[tuple[str, str]]:
    """``(name, title)`` of the actions ``perms`` allow, for the list's select."""
    found = []
    if perms.delete:
        found.append((DELETE_SELECTED, f"Delete selected {model.verbose_name_plural}"))
    for action in model.options.actions:
        if getattr(perms, action.permission):
            found.append((action.key, action.title))
    return found


def bulk_pages(site: Site) -> None:
    """Register the actions post on the site's router."""

    @site.post("/{label}/{name}/actions", "actions")
    async def actions(
        request: Request, label: str, name: str, identity: Identity, db: AsyncSession, flash: Flash
    ) -> Response:
        """Run the chosen action on the chosen rows (see the module documentation)."""
        model, perms = await site.model(identity, label, name)
        require(perms, "view", model)
        form = await request.form()
        back = _back(request, model, form.get("_list"))
        chosen = form.get("action")
        custom = {action.key: action for action in model.options.actions}
        if chosen != DELETE_SELECTED and (not isinstance(chosen, str) or chosen not in custom):
            raise BadRequest("Choose one of the list's actions.")
        require(perms, "delete" if chosen == DELETE_SELECTED else custom[chosen].permission, model)
        objects = await _chosen(site, db, model, form)
        if not objects:
            flash.warning(f"Select the {model.verbose_name_plural} to act on first.")
            return redirect(back)
        bulk = _Bulk(site, identity, db, flash, model, perms, back, objects)
        if chosen == DELETE_SELECTED:
            return await _delete(bulk, confirmed=form.get("_confirm") == "yes")
        return await _run(bulk, custom[chosen])


@dataclass(frozen=True, slots=True)
class _Bulk:
    """One action's request: who, on which rows, and where to go back to."""

    site: Site
    identity: Identity
    db: AsyncSession
    flash: Flash
    model: AdminModel
    perms: ModelPerms
    back: str
    objects: list[Any]

    def count(self) -> str:
        """``"3 questions"``."""
        n = len(self.objects)
        return f"{n} {self.model.verbose_name if n == 1 else self.model.verbose_name_plural}"


async def _chosen(site: Site, db: AsyncSession, model: AdminModel, form: FormData) -> list[Any]:
    """The rows whose keys were posted (keys that name no row are left out)."""
    raw = form.getlist("_selected")
    if form.get("_select_page"):
        raw += form.getlist("_page")
    if len(raw) > 2 * MAX_PER_PAGE:
        raise BadRequest(f"Choose at most {MAX_PER_PAGE} rows at once.")
    keys = set()
    column = model.mapper.primary_key[0]
    for value in raw:
        if isinstance(value, str) and len(value) <= 100:
            try:
                key = site.key(model, value)
            except NotFound:
                continue
            if storable(column.type, key):  # else no row has it, and the database would
                keys.add(key)  # refuse to compare with it
    if not keys:
        return []
    pk = getattr(model.model, model.pk)
    return list(await db.scalars(select(model.model).where(pk.in_(keys)).order_by(pk)))


def _back(request: Request, model: AdminModel, raw: Any) -> str:
    """The list page the form was on, with its search, filters, sort and page."""
    path = str(request.url_for("admin:changelist", label=model.label, name=model.name))
    params = parse_qsl(raw.removeprefix("?")[:2000]) if isinstance(raw, str) else []
    return path + ("?" + urlencode(params[:50]) if params else "")


def _public(model: AdminModel) -> list[str]:
    """The columns whose values may go in the log (not the private ones)."""
    return [
        prop.key
        for prop in model.mapper.column_attrs
        if not {**prop.columns[0].info, **prop.info}.get("private")
    ]


async def _snapshots(db: AsyncSession, model: AdminModel, objects: list[Any]) -> list[Any]:
    names = _public(model)
    # in the session's thread, where reading an expired attribute may load it
    return await db.run_sync(lambda _: [snapshot(obj, names) for obj in objects])


async def _run(bulk: _Bulk, action: Action[Any]) -> Response:
    """Run a custom action; log what it changed."""
    db, model, objects, flash = bulk.db, bulk.model, bulk.objects, bulk.flash
    labels = [(getattr(obj, model.pk), object_label(obj, model.verbose_name)) for obj in objects]
    before = await _snapshots(db, model, objects)
    try:
        async with db.begin_nested():
            message = await action.function(db, objects)
            await db.flush()
    except (IntegrityError, DataError):
        flash.error(f"{action.title}: nothing was changed. {REFUSED}")
        return redirect(bulk.back)
    deleted = [sa_inspect(obj).was_deleted for obj in objects]
    kept = [obj for obj, gone in zip(objects, deleted, strict=True) if not gone]
    after = iter(await _snapshots(db, model, kept))
    user = bulk.site.user(bulk.identity)
    for (key, title), old, gone in zip(labels, before, deleted, strict=True):
        new = {} if gone else next(after)
        changes = changes_between(old, new)
        if changes:
            verb: Change = "delete" if gone else "change"
            await record(
                db, user=user, model=model, object_id=key, object_repr=title, action=verb,
                changes=changes,
            )  # fmt: skip
    flash.success(message or f"{action.title}: {bulk.count()}.")
    return redirect(bulk.back)


async def _delete(bulk: _Bulk, *, confirmed: bool) -> Response:
    """Show what goes; on the confirming post, delete the rows and log each."""
    site, db, model, objects = bulk.site, bulk.db, bulk.model, bulk.objects
    previews = [await preview_deletion(db, obj, site.name_of) for obj in objects]
    context = await _confirmation(bulk, previews)
    if not confirmed or not context["allowed"]:
        status = 409 if confirmed else 200
        return site.page(model, "delete_selected_confirmation", context, status)
    before = await _snapshots(db, model, objects)
    try:
        async with db.begin_nested():
            for obj in objects:
                await db.delete(obj)
            await db.flush()
    except IntegrityError:
        context["error"] = REFUSED
        context["allowed"] = False
        return site.page(model, "delete_selected_confirmation", context, 409)
    user = site.user(bulk.identity)
    for obj, preview, old in zip(objects, previews, before, strict=True):
        await record(
            db, user=user, model=model, object_id=getattr(obj, model.pk),
            object_repr=preview.root.label, action="delete", changes=changes_between(old, {}),
        )  # fmt: skip
    bulk.flash.success(f"Deleted {bulk.count()}.")
    return redirect(bulk.back)


async def _confirmation(bulk: _Bulk, previews: list[Preview]) -> dict[str, Any]:
    """The confirmation page's context: every row's preview, merged counts, refusals."""
    site, model = bulk.site, bulk.model
    counts: dict[type[Any], int] = {}
    protected: list[tuple[str, str]] = []
    for preview in previews:
        protected += preview.protected
        for kind, count in preview.counts.items():
            counts[kind] = counts.get(kind, 0) + count
    missing = []
    for other in set(counts) - {model.model}:
        registered = site.registry.of_class(other)
        if registered is None:
            continue
        if not (await perms_of(site.auth, bulk.identity, registered)).delete:
            missing.append(registered.verbose_name_plural)
    return {
        "previews": previews,
        "keys": [getattr(obj, model.pk) for obj in bulk.objects],
        "summary": [(site.plural_of(kind), count) for kind, count in counts.items()],
        "protected": protected,
        "missing": sorted(missing),
        "complete": all(preview.complete for preview in previews),
        "allowed": not protected and not missing,
        "back": bulk.back,
        "list_query": bulk.back.partition("?")[2],
        "perms": bulk.perms,
        "error": None,
    }
