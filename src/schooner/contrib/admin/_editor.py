"""One request's add or change form: the model's fields, the foreign keys' rows, the
inlines, the autocomplete inputs and the version it was made from; and how the page is
drawn from them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from schooner.contrib.admin._audit import snapshot
from schooner.contrib.admin._autocomplete import check_related, current_labels
from schooner.contrib.admin._inlines import InlineChange, InlineSet, record_rows
from schooner.contrib.admin._locking import STALE, current_values, version_of
from schooner.contrib.admin._model_form import build_form, related_choices
from schooner.contrib.admin._options import Column
from schooner.contrib.admin._permissions import ModelPerms, perms_of
from schooner.contrib.admin._plan import AdminModel
from schooner.contrib.admin._site import Site, redirect
from schooner.contrib.admin._values import EMPTY, display, object_label
from schooner.contrib.auth import Identity
from schooner.contrib.forms import Form
from schooner.contrib.orm import AsyncSession
from schooner.contrib.sessions import Flash
from schooner.datastructures import FormData
from schooner.http import Request, Response

__all__ = ["Editor", "bound"]


class Editor:
    """One request's edit form: the model, its form class, the foreign keys' rows and the
    inlines."""

    def __init__(self, site: Site, model: AdminModel, perms: ModelPerms) -> None:
        self.site = site
        self.model = model
        self.perms = perms
        self.choices: dict[str, list[tuple[str, str]]] = {}
        self.inlines: list[InlineSet] = []
        self.current: dict[str, str] = {}  # the labels of autocomplete fields' rows
        self.submitted: frozenset[str] = frozenset()  # the names posted (which button)
        self.data: Mapping[str, Any] | FormData = {}

    async def load(
        self, db: AsyncSession, identity: Identity, obj: Any = None, *, editing: bool = True
    ) -> None:
        """The foreign keys' rows, and each inline the user may view with its rows (as text
        when ``editing`` is false: the parent is only viewed)."""
        labels = self.site.labels()
        model = self.model
        self.choices = await related_choices(db, model.fields, labels, skip=model.autocomplete)
        many = [item.name for item in model.fields if item.kind == "many"]
        if obj is not None and many:
            await db.refresh(obj, many)  # the collections, read now (no I/O in templates)
        keys = {name: getattr(obj, name) for name in model.autocomplete} if obj else {}
        self.current = await current_labels(db, model, keys, labels)
        parent = getattr(obj, self.model.pk) if obj is not None else None
        self.inlines = []
        for plan in self.model.inlines:
            perms = await perms_of(self.site.auth, identity, plan.model)
            if not perms.view:
                continue
            inline = InlineSet(plan, perms if editing else ModelPerms(view=True))
            await inline.load(db, parent, labels)
            self.inlines.append(inline)

    async def reread(self, db: AsyncSession, obj: Any) -> None:
        """Read the row again after a refused save, its many-to-many collections too."""
        await db.refresh(obj)
        many = [item.name for item in self.model.fields if item.kind == "many"]
        if many:
            await db.refresh(obj, many)

    async def resolve_many(self, db: AsyncSession, values: dict[str, Any]) -> None:
        """Replace the keys chosen for each many-to-many field by their rows (in key order;
        a row deleted meanwhile is left out)."""
        for item in self.model.fields:
            if item.kind != "many" or item.name not in values or item.target is None:
                continue
            key = item.target.__mapper__.primary_key[0]
            chosen = values[item.name] or []
            query = select(item.target).where(key.in_(chosen)).order_by(key)
            values[item.name] = list(await db.scalars(query)) if chosen else []

    def snapshot(self, obj: Any) -> dict[str, Any]:
        """The edited fields' JSON values; a many-to-many field's labels sorted, so the
        order rows were read in is no change."""
        values = snapshot(obj, [item.name for item in self.model.fields])
        for item in self.model.fields:
            if item.kind == "many":
                values[item.name] = sorted(str(label) for label in values[item.name] or [])
        return values

    async def check_related(self, db: AsyncSession, form: Form, values: dict[str, Any]) -> None:
        """Refuse autocomplete ids that name no row; label those that do."""
        if form.is_valid and self.model.autocomplete:
            labels = self.site.labels()
            await check_related(db, self.model, form, values, labels)
            self.current = await current_labels(db, self.model, values, labels)

    def show_inlines(self) -> None:
        """The inlines' rows of a page that was not posted."""
        for inline in self.inlines:
            inline.show()

    def bind_inlines(self) -> bool:
        """Read the posted inline rows; whether all are valid (binds every inline, so each
        shows its errors)."""
        results = [inline.bind(self.data) for inline in self.inlines]
        return all(results)

    async def save_inlines(self, db: AsyncSession, parent: Any) -> list[InlineChange]:
        """Write the inline rows, in the parent's savepoint."""
        key = getattr(parent, self.model.pk)
        return [change for inline in self.inlines for change in await inline.save(db, key)]

    async def record_inlines(
        self, db: AsyncSession, identity: Identity, changes: list[InlineChange]
    ) -> None:
        """One log entry per inline row written, under the inline's model."""
        await record_rows(db, self.site.user(identity), self.inlines, changes)

    def form_class(self, *, adding: bool) -> type[Form]:
        return build_form(self.model.fields, choices=self.choices, adding=adding)

    def page(
        self,
        form: Form | None,
        obj: Any,
        *,
        title: str | None = None,
        status: int = 200,
        current: list[tuple[str, str]] | None = None,
    ) -> Response:
        adding = obj is None
        context = {
            "form": form,
            "obj": obj,
            "pk": getattr(obj, self.model.pk) if obj is not None else None,
            "adding": adding,
            "title": title or (object_label(obj, self.model.verbose_name) if obj else None),
            "perms": self.perms,
            "sections": self.sections(form, obj),
            "inlines": self.inlines,
            "version": version_of(self.model, obj),
            "current": current or [],
        }
        return self.site.page(self.model, "change_form", context, status)

    def conflict(self, form: Form, obj: Any, title: str) -> Response:
        """The page again (``409``): the row changed since the form was made; the user's
        input, the row's current values, and the current version in the form."""
        self.bind_inlines()  # the rows as typed, too
        form.add_error(None, STALE.format(name=self.model.verbose_name))
        current = current_values(self.model, obj, self.choices)
        return self.page(form, obj, title=title, status=409, current=current)

    def sections(self, form: Form | None, obj: Any) -> list[dict[str, Any]]:
        """The page's groups: bound fields where the form edits, text elsewhere."""
        found = []
        for section in self.model.sections:
            items = [self._item(item, form, obj) for item in section.items]
            found.append(
                {"title": section.title, "description": section.description, "items": items}
            )
        return found

    def _item(self, item: str | Column[Any], form: Form | None, obj: Any) -> dict[str, Any]:
        if isinstance(item, Column):
            shown = display(item.value(obj)) if obj is not None else EMPTY
            return {"field": None, "label": item.title, "value": shown}
        edited = self.model.editable.get(item)
        if form is not None and edited is not None:
            target = self.model.autocomplete.get(item)
            related = self.site.registry.of_class(target) if target is not None else None
            current = self.current.get(item)
            widget = self.model.widgets.get(item)
            return (
                {"field": form[item], "label": edited.label, "value": None}
                | ({"autocomplete": related, "current": current} if related is not None else {})
                | ({"widget": widget} if widget is not None else {})
            )
        label = edited.label if edited is not None else self.model.path(item).title
        value = getattr(obj, item) if obj is not None else None
        if edited is not None and edited.kind == "many":
            names = [object_label(row, edited.label) for row in value or ()]
            return {"field": None, "label": label, "value": ", ".join(names) or EMPTY}
        text = display(value)
        if edited is not None and edited.target is not None and value is not None:
            text = dict(self.choices.get(item, [])).get(str(value), self.current.get(item, text))
        return {"field": None, "label": label, "value": text}

    def done(self, request: Request, flash: Flash, obj: Any, verb: str) -> Response:
        """Say it is saved and go where the button said."""
        model = self.model
        name = object_label(obj, model.verbose_name)
        flash.success(f"The {model.verbose_name} “{name}” was {verb}.")
        keys = {"label": model.label, "name": model.name}
        if "_continue" in self.submitted:
            return redirect(request.url_for("admin:change", **keys, pk=getattr(obj, model.pk)))
        if "_addanother" in self.submitted and self.perms.add:
            return redirect(request.url_for("admin:add", **keys))
        return redirect(request.url_for("admin:changelist", **keys))


async def bound(editor: Editor, request: Request, *, adding: bool) -> Form:
    """The posted form; notes which button was pressed."""
    form = await editor.form_class(adding=adding).from_request(request)
    content_type = request.content_type.lower()
    if content_type.startswith(("application/x-www-form", "multipart/")):
        editor.data = await request.form()  # parsed once, cached
        editor.submitted = frozenset(editor.data.keys())
    elif "json" in content_type:
        body = await request.json()  # the form read it: an object
        editor.data = body if isinstance(body, dict) else {}
    return form
