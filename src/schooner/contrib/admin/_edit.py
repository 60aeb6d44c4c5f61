"""The pages that write: add, change and delete a row (with its inlines), each logged.

``admin:add`` (``label``, ``name``), ``admin:change`` and ``admin:delete`` (``pk`` too).
A GET shows the form (or, to a user who may only view, the values); a POST saves and
redirects, or shows the form again: ``422`` for input the form refuses, ``409`` for what
the database refuses (a unique value taken) or a row changed since the form was made."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from schooner.contrib.admin._audit import changes_between, record, snapshot
from schooner.contrib.admin._cascade import Preview, preview_deletion
from schooner.contrib.admin._conflicts import explain_refusal
from schooner.contrib.admin._editor import Editor, bound
from schooner.contrib.admin._locking import is_stale
from schooner.contrib.admin._model_form import (
    initial_values,
    values_from,
)
from schooner.contrib.admin._permissions import ModelPerms, perms_of, require
from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._site import Site, redirect
from schooner.contrib.admin._values import object_label
from schooner.contrib.auth import Identity
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Flash
from schooner.http import Request, Response

__all__ = ["edit_pages"]

DELETE_REFUSED = (
    "The {name} could not be deleted: other records still refer to it. Delete or change them first."
)


def edit_pages(site: Site) -> None:
    """Register the add, change and delete pages on the site's router."""
    _add(site)
    _change(site)
    _delete(site)


def _add(site: Site) -> None:
    @site.get("/{label}/{name}/add", "add")
    async def add_page(label: str, name: str, identity: Identity, db: AsyncSession) -> Response:
        """An empty form, with the columns' defaults."""
        model, perms = await site.model(identity, label, name)
        require(perms, "add", model)
        editor = Editor(site, model, perms)
        await editor.load(db, identity)
        editor.show_inlines()
        form = editor.form_class(adding=True)(initial=initial_values(None, model.fields))
        return editor.page(form, None)

    @site.post("/{label}/{name}/add", "add")
    async def add(
        request: Request, label: str, name: str, identity: Identity, db: AsyncSession, flash: Flash
    ) -> Response:
        """Store a new row, or show the form again with what to fix."""
        model, perms = await site.model(identity, label, name)
        require(perms, "add", model)
        editor = Editor(site, model, perms)
        await editor.load(db, identity)
        form = await bound(editor, request, adding=True)
        values = values_from(form, model.fields, adding=True) if form.is_valid else {}
        await editor.check_related(db, form, values)
        rows_valid = editor.bind_inlines()
        if not form.is_valid or not rows_valid:
            return editor.page(form, None, status=422)
        await editor.resolve_many(db, values)
        obj = model.model(**values)
        try:
            async with db.begin_nested():
                db.add(obj)
                await db.flush()
                written = await editor.save_inlines(db, obj)
        except (IntegrityError, DataError) as exc:
            status = await explain_refusal(db, model, form, values, error=exc)
            return editor.page(form, None, status=status)
        after = editor.snapshot(obj)
        await record(
            db,
            user=site.user(identity),
            model=model,
            object_id=getattr(obj, model.pk),
            object_repr=object_label(obj, model.verbose_name),
            action="add",
            changes=changes_between({}, after),
        )
        await editor.record_inlines(db, identity, written)
        return editor.done(request, flash, obj, "added")


def _change(site: Site) -> None:
    @site.get("/{label}/{name}/{pk}/change", "change")
    async def change_page(
        label: str, name: str, pk: str, identity: Identity, db: AsyncSession
    ) -> Response:
        """The row's form; its values only, to a user who may view but not change."""
        model, perms = await site.model(identity, label, name)
        require(perms, "view", model)
        obj = await site.find(db, model, pk)
        editor = Editor(site, model, perms)
        await editor.load(db, identity, obj, editing=perms.change)
        editor.show_inlines()
        form = None
        if perms.change:
            form = editor.form_class(adding=False)(initial=initial_values(obj, model.fields))
        return editor.page(form, obj)

    @site.post("/{label}/{name}/{pk}/change", "change")
    async def change(
        request: Request,
        label: str,
        name: str,
        pk: str,
        identity: Identity,
        db: AsyncSession,
        flash: Flash,
    ) -> Response:
        """Save the changed fields (and log what changed), or show what to fix."""
        model, perms = await site.model(identity, label, name)
        require(perms, "change", model)
        obj = await site.find(db, model, pk)
        title = object_label(obj, model.verbose_name)
        editor = Editor(site, model, perms)
        await editor.load(db, identity, obj)
        form = await bound(editor, request, adding=False)
        if is_stale(model, obj, editor.data):
            return editor.conflict(form, obj, title)
        values = values_from(form, model.fields, adding=False) if form.is_valid else {}
        await editor.check_related(db, form, values)
        rows_valid = editor.bind_inlines()
        if not form.is_valid or not rows_valid:
            return editor.page(form, obj, title=title, status=422)
        before = editor.snapshot(obj)
        await editor.resolve_many(db, values)
        key = getattr(obj, model.pk)
        try:
            async with db.begin_nested():
                for attribute, value in values.items():
                    setattr(obj, attribute, value)
                await db.flush()
                written = await editor.save_inlines(db, obj)
        except StaleDataError:  # saved by someone else since this request read it
            await editor.reread(db, obj)
            return editor.conflict(form, obj, title)
        except (IntegrityError, DataError) as exc:
            await editor.reread(db, obj)
            status = await explain_refusal(db, model, form, values, error=exc, pk=key)
            return editor.page(form, obj, title=title, status=status)
        changes = changes_between(before, editor.snapshot(obj))
        if not changes and not written:
            flash.info("No fields were changed.")
            return redirect(request.url_for("admin:change", label=label, name=name, pk=key))
        await editor.record_inlines(db, identity, written)
        if not changes:
            return editor.done(request, flash, obj, "changed")
        await record(
            db,
            user=site.user(identity),
            model=model,
            object_id=key,
            object_repr=object_label(obj, model.verbose_name),
            action="change",
            changes=changes,
        )
        return editor.done(request, flash, obj, "changed")


def _delete(site: Site) -> None:
    async def refusals(identity: Identity, preview: Preview, model: AdminModel) -> list[str]:
        """The models whose rows would go, that the user may not delete."""
        missing = []
        for other in set(preview.counts) - {model.model}:
            registered = site.registry.of_class(other)
            if (
                registered is not None
                and not (await perms_of(site.auth, identity, registered)).delete
            ):
                missing.append(registered.verbose_name_plural)
        return sorted(missing)

    async def confirmation(
        identity: Identity, db: AsyncSession, model: AdminModel, perms: ModelPerms, obj: Any
    ) -> tuple[dict[str, Any], bool]:
        preview = await preview_deletion(db, obj, site.name_of)
        missing = await refusals(identity, preview, model)
        allowed = not preview.protected and not missing
        context = {
            "obj": obj,
            "pk": getattr(obj, model.pk),
            "title": preview.root.label,
            "preview": preview,
            "summary": [(site.plural_of(m), n) for m, n in preview.counts.items()],
            "missing": missing,
            "allowed": allowed,
            "perms": perms,
            "error": None,
        }
        return context, allowed

    @site.get("/{label}/{name}/{pk}/delete", "delete")
    async def delete_page(
        label: str, name: str, pk: str, identity: Identity, db: AsyncSession
    ) -> Response:
        """Everything the deletion removes, and a button (unless something prevents it)."""
        model, perms = await site.model(identity, label, name)
        require(perms, "delete", model)
        obj = await site.find(db, model, pk)
        context, _ = await confirmation(identity, db, model, perms, obj)
        return site.page(model, "delete_confirmation", context)

    @site.post("/{label}/{name}/{pk}/delete", "delete")
    async def delete(
        request: Request,
        label: str,
        name: str,
        pk: str,
        identity: Identity,
        db: AsyncSession,
        flash: Flash,
    ) -> Response:
        """Delete the row and what cascades from it, and log it."""
        model, perms = await site.model(identity, label, name)
        require(perms, "delete", model)
        obj = await site.find(db, model, pk)
        context, allowed = await confirmation(identity, db, model, perms, obj)
        if not allowed:
            return site.page(model, "delete_confirmation", context, 409)
        title, key = context["title"], context["pk"]
        before = snapshot(obj, [p.key for p in model.mapper.column_attrs if _public(p)])
        try:
            async with db.begin_nested():
                await db.delete(obj)
                await db.flush()
        except IntegrityError:
            context["error"] = DELETE_REFUSED.format(name=model.verbose_name)
            context["allowed"] = False
            return site.page(model, "delete_confirmation", context, 409)
        await record(
            db,
            user=site.user(identity),
            model=model,
            object_id=key,
            object_repr=title,
            action="delete",
            changes=changes_between(before, {}),
        )
        flash.success(f"The {model.verbose_name} “{title}” was deleted.")
        return redirect(request.url_for("admin:changelist", label=label, name=name))


def _public(prop: Any) -> bool:
    """Whether a column's value may go in the log (private ones, a password hash, not)."""
    return not {**prop.columns[0].info, **prop.info}.get("private")
