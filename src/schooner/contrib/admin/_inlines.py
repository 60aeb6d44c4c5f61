"""Inline rows: the rows of another model that refer to the edited one, on its page.

Each related row is a small form whose inputs are named ``<label>-<model>-<n>-<field>``
(``polls-choice-0-choice_text``); an existing row also posts its primary key
(``…-<n>-id``) and, when it may be deleted, a ``…-<n>-DELETE`` box. ``…-TOTAL`` says how
many rows the page posts. Rows are matched to the stored ones by their key, not their
position, so a row added or deleted meanwhile by someone else is not confused with another.

An empty new row (every input empty or at its default) is ignored. Everything is checked
before anything is written: one invalid row shows the page again with its errors in place,
and the parent and every row are saved in one savepoint, or none of them is.

The inline model's own permissions apply: without ``add`` no empty rows (and a posted new
row is refused), without ``change`` its rows are text, without ``delete`` no delete box
(and a posted one is refused).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from schooner.contrib.admin._audit import changes_between, record, snapshot
from schooner.contrib.admin._model_form import (
    build_form,
    initial_values,
    related_choices,
    values_from,
)
from schooner.contrib.admin._options import Column
from schooner.contrib.admin._permissions import ModelPerms
from schooner.contrib.admin._plan import InlineModel
from schooner.contrib.admin._values import EMPTY, display, object_label
from schooner.contrib.auth import AbstractUser, PermissionDenied
from schooner.contrib.forms import Form
from schooner.datastructures import FormData

__all__ = ["MAX_ROWS", "InlineChange", "InlineRow", "InlineSet", "record_rows"]

MAX_ROWS = 1000
"""The most rows one inline takes in a post (a larger ``TOTAL`` is cut to it)."""

EMPTY_INDEX = "__n__"
"""The index of the empty row in its ``<template>``; the script puts the next one in."""

GONE = "This {name} was deleted meanwhile; its values were not saved."

Data = Mapping[str, Any] | FormData


@dataclass(slots=True)
class InlineRow:
    """One row of an inline on the page.

    Attributes:
        prefix: what its inputs' names start with (``polls-choice-0-``).
        title: its heading (the row's label, or "New choice 2").
        obj: the stored row (``None``: a new one).
        pk: its primary key.
        form: its form (``None``: shown as text).
        can_delete: whether it has a delete box.
        deleting: the delete box is ticked.
        blank: a new row left empty (not saved).
        errors: what is wrong with the row as a whole.
        values: the column values its valid form gives.
        items: what the page shows of it, as the edit page's items.
    """

    prefix: str
    title: str
    obj: Any = None
    pk: Any = None
    form: Form | None = None
    can_delete: bool = False
    deleting: bool = False
    blank: bool = False
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def invalid(self) -> bool:
        """Whether the row has errors to show."""
        return bool(self.errors) or (self.form is not None and bool(self.form.errors))


@dataclass(frozen=True, slots=True)
class InlineChange:
    """A row written: what the audit log records about it."""

    action: Literal["add", "change", "delete"]
    obj: Any
    label: str
    changes: list[dict[str, Any]]


class InlineSet:
    """One inline of one request: the stored rows, their forms and what a post changes.

    Args:
        plan: the resolved ``Inline``.
        perms: what the user may do with the inline model (only ``view``: text only).
    """

    def __init__(self, plan: InlineModel, perms: ModelPerms) -> None:
        self.plan = plan
        self.model = plan.model
        self.perms = perms
        self.stored: list[Any] = []
        self.choices: dict[str, list[tuple[str, str]]] = {}
        self.rows: list[InlineRow] = []
        self.empty: InlineRow | None = None
        """The row a script copies to add another (``None``: the user may not add)."""
        self._forms: dict[bool, type[Form]] = {}
        self._new = 0

    @property
    def prefix(self) -> str:
        """What its inputs' names start with."""
        return self.plan.prefix

    @property
    def title(self) -> str:
        """The heading: ``"Choices"``."""
        return self.model.title_plural

    @property
    def editable(self) -> bool:
        """Whether the page posts rows of this inline."""
        return self.perms.add or self.perms.change or self.perms.delete

    async def load(self, db: AsyncSession, parent_pk: Any, labels: Mapping[type[Any], str]) -> None:
        """Read the parent's rows (none for a new parent) and the foreign keys' choices."""
        self.choices = await related_choices(db, self.model.fields, labels)
        if parent_pk is None:
            return
        child = self.model.model
        query = select(child).where(getattr(child, self.plan.fk) == parent_pk)
        self.stored = list(await db.scalars(query.order_by(getattr(child, self.model.pk))))

    # -- the page -------------------------------------------------------------------------

    def show(self) -> None:
        """The rows of a page that was not posted: stored ones, then ``extra`` empty ones."""
        self.rows = []
        adding = build_form(self.model.fields, choices=self.choices, adding=True)
        changing = build_form(self.model.fields, choices=self.choices, adding=False)
        for index, obj in enumerate(self.stored):
            row = self._row(index, obj)
            if self.perms.change:
                initial = initial_values(obj, self.model.fields)
                row.form = changing(initial=initial, prefix=row.prefix)
            self.rows.append(self._with_items(row))
        if self.perms.add:
            defaults = initial_values(None, self.model.fields)
            for offset in range(self.plan.extra):
                row = self._row(len(self.stored) + offset, None)
                row.form = adding(initial=defaults, prefix=row.prefix)
                self.rows.append(self._with_items(row))
        self._blank(adding)

    def _blank(self, adding: type[Form]) -> None:
        """The empty row admin/inlines.js copies, its index ``__n__`` (when the user may add)."""
        self.empty = None
        if not self.perms.add:
            return
        row = InlineRow(f"{self.prefix}-{EMPTY_INDEX}-", f"New {self.model.verbose_name}")
        defaults = initial_values(None, self.model.fields)
        row.form = adding(initial=defaults, prefix=row.prefix)
        self.empty = self._with_items(row)

    def _row(self, index: int, obj: Any) -> InlineRow:
        prefix = f"{self.prefix}-{index}-"
        if obj is None:
            self._new += 1
            return InlineRow(prefix, f"New {self.model.verbose_name} {self._new}")
        title = object_label(obj, self.model.verbose_name)
        return InlineRow(prefix, title, obj=obj, pk=self._pk(obj), can_delete=self.perms.delete)

    def _with_items(self, row: InlineRow) -> InlineRow:
        """Fill the row's items: its bound fields, or its values as text."""
        row.items = [self._item(item, row) for s in self.model.sections for item in s.items]
        return row

    def _item(self, item: str | Column[Any], row: InlineRow) -> dict[str, Any]:
        obj = row.obj
        if isinstance(item, Column):
            shown = display(item.value(obj)) if obj is not None else EMPTY
            return {"field": None, "label": item.title, "value": shown}
        edited = self.model.editable.get(item)
        if row.form is not None and edited is not None:
            bound = row.form[item]
            drawn = _Optional(bound) if obj is None else bound  # an empty new row is skipped
            return {"field": drawn, "label": edited.label, "value": None}
        label = edited.label if edited is not None else self.model.path(item).title
        value = getattr(obj, item) if obj is not None else None
        text = display(value)
        if edited is not None and edited.target is not None and value is not None:
            text = dict(self.choices.get(item, [])).get(str(value), text)
        return {"field": None, "label": label, "value": text}

    # -- a post ---------------------------------------------------------------------------

    def bind(self, data: Data) -> bool:
        """Read the posted rows; whether every row to save is valid.

        Raises:
            PermissionDenied: the post adds or deletes rows the user may not add or delete.
        """
        self.rows = []
        self._forms = {
            adding: build_form(self.model.fields, choices=self.choices, adding=adding)
            for adding in (True, False)
        }
        self._blank(self._forms[True])
        stored = {str(self._pk(obj)): obj for obj in self.stored}
        valid = True
        for index in range(self._total(data)):
            row = self._bound_row(index, data, stored)
            valid = self._check(row) and valid
            self.rows.append(self._with_items(row))
        return valid

    def _total(self, data: Data) -> int:
        posted = data.get(f"{self.prefix}-TOTAL")
        default = len(self.stored) + (self.plan.extra if self.perms.add else 0)
        try:
            total = int(str(posted)) if posted is not None else default
        except ValueError:
            total = default
        return max(0, min(total, MAX_ROWS))

    def _bound_row(self, index: int, data: Data, stored: Mapping[str, Any]) -> InlineRow:
        prefix = f"{self.prefix}-{index}-"
        key = data.get(prefix + "id")
        key = None if key in (None, "") else str(key)
        obj = stored.get(key) if key is not None else None
        row = self._row(index, obj)
        row.deleting = _ticked(data.get(prefix + "DELETE"))
        if key is not None and obj is None:
            row.title = f"{self.model.title} {key}"
            if not row.deleting:  # deleted meanwhile, and this post wants it gone too
                row.errors.append(GONE.format(name=self.model.verbose_name))
            row.deleting = False
            return row
        if obj is not None:
            if row.deleting and not self.perms.delete:
                self._refuse("delete")
            if self.perms.change:
                row.form = self._forms[False](data, prefix=prefix)
            return row
        adding = self._forms[True]
        row.deleting = False
        row.blank = self._is_blank(data, prefix)
        if row.blank:  # shown again as offered, without "required" errors
            row.form = adding(initial=initial_values(None, self.model.fields), prefix=prefix)
        elif not self.perms.add:
            self._refuse("add")
        else:
            row.form = adding(data, prefix=prefix)
        return row

    def _check(self, row: InlineRow) -> bool:
        """Whether ``row`` is fit to save (blank new rows and deleted rows are)."""
        if row.errors:
            return False
        if row.form is None or row.deleting or row.blank:
            return True
        adding = row.obj is None
        if row.form.is_valid:
            row.values = values_from(row.form, self.model.fields, adding=adding)
        return row.form.is_valid

    def _is_blank(self, data: Data, prefix: str) -> bool:
        """Whether a new row's inputs are all empty or at their defaults."""
        defaults = initial_values(None, self.model.fields)
        for item in self.model.fields:
            posted = data.get(prefix + item.name)
            if posted in (None, ""):
                continue
            default = defaults.get(item.name)
            if default is None or str(posted) != str(default):
                return False
        return True

    def _refuse(self, action: Literal["add", "delete"]) -> None:
        raise PermissionDenied(
            f"You may not {action} {self.model.verbose_name_plural}: that needs the "
            f"permission {self.model.permission(action)}."
        )

    def _pk(self, obj: Any) -> Any:
        return obj.__mapper__.primary_key_from_instance(obj)[0]

    # -- saving ---------------------------------------------------------------------------

    async def save(self, db: AsyncSession, parent_pk: Any) -> list[InlineChange]:
        """Write the bound rows (in the caller's savepoint); what was written."""
        names = [f.name for f in self.model.fields]
        pending: list[tuple[Any, dict[str, Any] | None]] = []
        done: list[InlineChange] = []
        for row in self.rows:
            if row.obj is not None and row.deleting:
                label = object_label(row.obj, self.model.verbose_name)
                gone = snapshot(row.obj, [*names, self.plan.fk])
                await db.delete(row.obj)
                done.append(InlineChange("delete", row.obj, label, changes_between(gone, {})))
            elif row.form is not None and row.values:
                obj = row.obj
                before = snapshot(obj, names) if obj is not None else None
                if obj is None:  # row.obj stays None: the page may be shown again
                    obj = self.model.model(**{**row.values, self.plan.fk: parent_pk})
                    db.add(obj)
                else:
                    for attribute, value in row.values.items():
                        setattr(obj, attribute, value)
                pending.append((obj, before))
        await db.flush()
        for obj, earlier in pending:
            changes = changes_between(earlier or {}, snapshot(obj, names))
            if earlier is not None and not changes:
                continue
            action: Literal["add", "change"] = "add" if earlier is None else "change"
            label = object_label(obj, self.model.verbose_name)
            done.append(InlineChange(action, obj, label, changes))
        return done


class _Optional:
    """A new row's input without HTML's ``required``: the row may be left empty (it is then
    not saved), so the browser must not refuse the whole page for it. The server still
    requires the field once anything in the row is filled in."""

    def __init__(self, bound: Any) -> None:
        self._bound = bound

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bound, name)

    def attributes(self) -> dict[str, str | bool]:
        """The input's attributes, less ``required``."""
        attributes: dict[str, str | bool] = self._bound.attributes()
        attributes.pop("required", None)
        return attributes


def _ticked(value: Any) -> bool:
    """Whether a posted checkbox is ticked (browsers send ``on``; JSON may send ``true``)."""
    return value not in (None, "", False, "false", "0", "off")


async def record_rows(
    db: AsyncSession,
    user: AbstractUser,
    inlines: Sequence[InlineSet],
    changes: Sequence[InlineChange],
) -> None:
    """One audit entry per row written, under the inline's model (so each row's history
    shows it, as if it was edited on its own page)."""
    models = {inline.model.model: inline.model for inline in inlines}
    for change in changes:
        model = models[type(change.obj)]
        await record(
            db,
            user=user,
            model=model,
            object_id=getattr(change.obj, model.pk),
            object_repr=change.label,
            action=change.action,
            changes=change.changes,
        )
