"""A ``ModelAdmin`` resolved against its model's mapper, once, when the app is built.

Every name the project gave is looked up here; a name that is not a field stops the app
with the names that are. What the pages need at request time is precomputed: the list's
columns and the paths they read, what may be searched and sorted, and the edit page's
layout with the form field of each editable column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import String
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import ColumnProperty, Mapper, RelationshipProperty

from schooner.contrib.admin._filters import resolve as resolve_filters
from schooner.contrib.admin._model_form import EditField, editable_field, many_field
from schooner.contrib.admin._options import Column, Inline, ModelAdmin
from schooner.contrib.admin._values import humanize, verbose_name_of
from schooner.contrib.admin._widgets import check_widgets
from schooner.contrib.auth import app_label
from schooner.exceptions import ImproperlyConfigured

__all__ = ["Action", "AdminModel", "FieldPath", "InlineModel", "ListColumn", "Section"]

Action = Literal["view", "add", "change", "delete"]

AUTOCOMPLETE_HELP = "The id of the row, or type words to search for one."


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A column of the model, or of a row it refers to (``question__question_text``).

    Attributes:
        key: the name as written.
        steps: the many-to-one relationships walked, in order.
        attribute: the column's attribute name on the last model.
        column: the column itself.
        title: the heading or label.
    """

    key: str
    steps: tuple[RelationshipProperty[Any], ...]
    attribute: str
    column: Any
    title: str

    @property
    def is_text(self) -> bool:
        """Whether the column holds text (what search looks in)."""
        return isinstance(self.column.type, String)


@dataclass(frozen=True, slots=True)
class ListColumn:
    """One column of the change list: a field, a path, a computed value or the row's label.

    Attributes:
        title: the heading.
        path: the field or path shown, if any.
        computed: the ``Column`` computing it, if any.
        sort_key: what ``?o=`` says to sort by it (``None``: not sortable).
    """

    title: str
    path: FieldPath | None = None
    computed: Column[Any] | None = None
    sort_key: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A group of the edit page: a title, a description and its items (field names of
    editable columns, read-only field names, and ``Column`` s)."""

    title: str | None
    description: str | None
    items: tuple[str | Column[Any], ...]


@dataclass(frozen=True, slots=True)
class InlineModel:
    """An ``Inline`` resolved: the related model's own plan (its form fields, names and
    permissions) and the foreign key that ties its rows to the parent.

    Attributes:
        model: the inline model, resolved as a ``ModelAdmin`` of its ``fields``.
        fk: the attribute name of the foreign key column to the parent.
        extra: how many empty rows to offer.
    """

    model: AdminModel
    fk: str
    extra: int

    @property
    def prefix(self) -> str:
        """What the names of its inputs start with: ``polls-choice``."""
        return f"{self.model.label}-{self.model.name}"


class AdminModel:
    """One registered model, resolved (see the module documentation).

    Raises:
        ImproperlyConfigured: the model is not a mapped class with a one-column primary
            key, or an option names something the model does not have.
    """

    def __init__(self, options: ModelAdmin[Any], *, per_page: int) -> None:
        self.options = options
        self.model = options.model
        self.where = f"ModelAdmin({self.model.__name__})"
        self.mapper = _mapper(self.model, self.where)
        if len(self.mapper.primary_key) != 1:
            raise ImproperlyConfigured(
                f"{self.where}: the admin edits models with a one-column primary key; "
                f"{self.model.__name__} has {len(self.mapper.primary_key)}."
            )
        self.pk = self.mapper.get_property_by_column(self.mapper.primary_key[0]).key
        self.label = app_label(self.model)
        self.name = self.model.__name__.lower()
        self.verbose_name = options.verbose_name or verbose_name_of(self.model)
        self.verbose_name_plural = options.verbose_name_plural or self.verbose_name + "s"
        self.per_page = options.list_per_page or per_page
        self.columns = [self._list_column(item) for item in options.list_display]
        self.search = [self._search_path(name) for name in options.search_fields]
        self.ordering = [self._order(name) for name in options.ordering]
        self.sortable: dict[str, FieldPath] = {path.key: path for path, _ in self.ordering}
        for column in self.columns:
            if column.sort_key is not None:
                self.sortable[column.sort_key] = self.path(column.sort_key)
        self.filters = resolve_filters(self, options.list_filter)
        self.editable: dict[str, EditField] = {}
        self.sections = self._layout()
        self.inlines = [self._inline(item, per_page) for item in options.inlines]
        self.autocomplete = self._autocomplete(options.autocomplete_fields)
        self.widgets = check_widgets(self.where, options.widgets, self.editable, self.autocomplete)

    def __repr__(self) -> str:
        return f"<AdminModel {self.label}.{self.name}>"

    @property
    def title(self) -> str:
        """The verbose name as a heading: ``"Question"``."""
        return self.verbose_name[:1].upper() + self.verbose_name[1:]

    @property
    def title_plural(self) -> str:
        """The plural as a heading: ``"Questions"``."""
        return self.verbose_name_plural[:1].upper() + self.verbose_name_plural[1:]

    # -- names and permissions --------------------------------------------------------------

    def permission(self, action: Action) -> str:
        """The accounts battery's permission for ``action``: ``"polls.change_question"``."""
        return f"{self.label}.{action}_{self.name}"

    def templates(self, page: str) -> list[str]:
        """The template names tried for ``page``, most specific first."""
        return [
            f"admin/{self.label}/{self.name}/{page}.html",
            f"admin/{self.label}/{page}.html",
            f"admin/{page}.html",
        ]

    @property
    def fields(self) -> list[EditField]:
        """The editable fields of the edit page, in page order."""
        return list(self.editable.values())

    def sort_path(self, key: str) -> FieldPath | None:
        """The field or path ``?o=key`` sorts by: a sortable column of the list, or a field
        of ``ordering``; ``None`` for anything else."""
        return self.sortable.get(key)

    # -- resolution -------------------------------------------------------------------------

    def path(self, key: str) -> FieldPath:
        """Resolve ``key`` (a column, or relationships then a column, joined by ``__``)."""
        *relations, attribute = key.split("__")
        mapper = self.mapper
        steps: list[RelationshipProperty[Any]] = []
        for name in relations:
            relation = mapper.relationships.get(name)
            if relation is None or relation.uselist:
                raise ImproperlyConfigured(
                    f"{self.where}: {key!r} walks {name!r}, which is not a many-to-one "
                    f"relationship of {mapper.class_.__name__} (those are: "
                    f"{_listing(r.key for r in mapper.relationships if not r.uselist)})."
                )
            steps.append(relation)
            mapper = relation.mapper
        prop = mapper.column_attrs.get(attribute)
        if prop is None:
            raise ImproperlyConfigured(
                f"{self.where}: {key!r} names {attribute!r}, which is not a column of "
                f"{mapper.class_.__name__} (its columns: {_listing(mapper.column_attrs.keys())})."
            )
        column = prop.columns[0]
        title = str(prop.info.get("label") or column.info.get("label") or humanize(attribute))
        return FieldPath(key, tuple(steps), attribute, column, title)

    def _list_column(self, item: str | Column[Any]) -> ListColumn:
        if isinstance(item, Column):
            sort_key = None
            if item.sort_by is not None:
                sort_key = self.path(item.sort_by).key
            return ListColumn(item.title, computed=item, sort_key=sort_key)
        path = self.path(item)
        return ListColumn(path.title, path=path, sort_key=path.key)

    def _search_path(self, name: str) -> FieldPath:
        path = self.path(name)
        if not path.is_text:
            raise ImproperlyConfigured(
                f"{self.where}: search_fields names {name!r}, which does not hold text; search "
                "looks in text columns (String, Text)."
            )
        return path

    def _order(self, name: str) -> tuple[FieldPath, bool]:
        return self.path(name.removeprefix("-")), name.startswith("-")

    def _layout(self) -> list[Section]:
        """The edit page's sections; fills ``self.editable``."""
        options = self.options
        readonly = {item for item in options.readonly_fields if isinstance(item, str)}
        for name in [*readonly, *options.exclude]:
            self._own_property(name, "readonly_fields" if name in readonly else "exclude")
        if options.fieldsets is not None:
            groups = [(s.title, s.description, tuple(s.fields)) for s in options.fieldsets]
        elif options.fields is not None:
            groups = [(None, None, tuple(options.fields))]
        else:
            names = [
                prop.key
                for prop in self.mapper.column_attrs
                if prop.key not in options.exclude and self._default_editable(prop)
            ]
            names += [r.key for r in self._many() if r.key not in options.exclude]
            extra = [item for item in options.readonly_fields if item not in names]
            groups = [(None, None, (*names, *extra))]
        sections = []
        seen: set[str] = set()
        for title, description, items in groups:
            resolved = tuple(self._form_item(item, readonly, seen) for item in items)
            sections.append(Section(title, description, resolved))
        return sections

    def _form_item(
        self, item: str | Column[Any], readonly: set[str], seen: set[str]
    ) -> str | Column[Any]:
        if isinstance(item, Column):
            return item
        found = self._own_property(item, "fields")
        if isinstance(found, RelationshipProperty) and found.secondary is not None:
            return self._many_item(found, seen)
        prop = found if isinstance(found, ColumnProperty) else self._key_of(found)
        if prop.key in seen:
            raise ImproperlyConfigured(f"{self.where}: the field {item!r} is listed twice.")
        seen.add(prop.key)
        field = None if item in readonly or prop.key in readonly else self._editable(prop)
        if field is not None:
            self.editable[prop.key] = field
        return prop.key

    def _own_property(
        self, name: str, option: str
    ) -> ColumnProperty[Any] | RelationshipProperty[Any]:
        """The column named ``name``, a many-to-one relationship over one column, or (for
        the page's fields) a many-to-many relationship."""
        prop = self.mapper.column_attrs.get(name)
        if prop is not None:
            return prop
        relation = self.mapper.relationships.get(name)
        if relation is not None and not relation.uselist and len(relation.local_columns) == 1:
            return relation
        if relation is not None and relation in self._many() and option == "fields":
            return relation
        raise ImproperlyConfigured(
            f"{self.where}: {option} names {name!r}, which is not a column of "
            f"{self.model.__name__} (its columns: {_listing(self.mapper.column_attrs.keys())})."
        )

    def _many(self) -> list[RelationshipProperty[Any]]:
        """The many-to-many relationships (``secondary=``) the page can edit."""
        return [
            r
            for r in self.mapper.relationships
            if r.secondary is not None and r.uselist and not r.viewonly and many_field(r)
        ]

    def _many_item(self, relation: RelationshipProperty[Any], seen: set[str]) -> str:
        if relation.key in seen:
            raise ImproperlyConfigured(f"{self.where}: the field {relation.key!r} is listed twice.")
        seen.add(relation.key)
        field = many_field(relation)
        if field is not None:
            self.editable[relation.key] = field
        return relation.key

    def _key_of(self, relation: RelationshipProperty[Any]) -> ColumnProperty[Any]:
        """The foreign key column of a many-to-one relationship."""
        prop = self.mapper.get_property_by_column(next(iter(relation.local_columns)))
        if not isinstance(prop, ColumnProperty):  # pragma: no cover - a key is a column
            raise ImproperlyConfigured(f"{self.where}: {relation.key} has no key column.")
        return prop

    def _default_editable(self, prop: ColumnProperty[Any]) -> bool:
        """Columns on the default edit page: not the key, not read-only, not private."""
        column = prop.columns[0]
        info = {**column.info, **prop.info}
        if column.primary_key or info.get("read_only") or info.get("private"):
            return False
        return editable_field(self.mapper, prop) is not None

    def _editable(self, prop: ColumnProperty[Any]) -> EditField | None:
        column = prop.columns[0]
        if column.primary_key or {**column.info, **prop.info}.get("read_only"):
            return None  # shown read-only: the database or the ORM sets it
        return editable_field(self.mapper, prop)

    def _autocomplete(self, names: Sequence[str]) -> dict[str, type[Any]]:
        """The foreign keys edited as autocomplete inputs, with the models they refer to
        (whether those have a searchable admin is checked once every model is known)."""
        found: dict[str, type[Any]] = {}
        for name in names:
            prop = self._own_property(name, "autocomplete_fields")
            key = prop.key if isinstance(prop, ColumnProperty) else self._key_of(prop).key
            edited = self.editable.get(key)
            if edited is None or edited.target is None:
                raise ImproperlyConfigured(
                    f"{self.where}: autocomplete_fields names {name!r}, which is not a foreign "
                    "key edited on the page."
                )
            field = dataclasses.replace(
                edited.field, widget="text", autocomplete="off", help_text=AUTOCOMPLETE_HELP
            )
            self.editable[key] = dataclasses.replace(edited, field=field)
            found[key] = edited.target
        return found

    def _inline(self, inline: Inline, per_page: int) -> InlineModel:
        """Resolve an ``Inline``: find its key to this model, then plan its fields."""
        where = f"{self.where}: Inline({inline.model.__name__})"
        mapper = _mapper(inline.model, where)
        keys = [
            prop.key
            for prop in mapper.column_attrs
            if any(
                fk.column.table is self.mapper.local_table for fk in prop.columns[0].foreign_keys
            )
        ]
        if inline.fk is not None and inline.fk not in keys:
            raise ImproperlyConfigured(
                f"{where}: fk={inline.fk!r} is not a foreign key to {self.model.__name__} "
                f"(those are: {_listing(keys)})."
            )
        if inline.fk is None and len(keys) != 1:
            raise ImproperlyConfigured(
                f"{where}: {inline.model.__name__} has {len(keys)} foreign keys to "
                f"{self.model.__name__} ({_listing(keys)}); name one with fk=..."
            )
        fk = inline.fk or keys[0]
        if inline.fields is not None and fk in inline.fields:
            raise ImproperlyConfigured(
                f"{where}: fields names {fk!r}, the key to the {self.verbose_name} the rows "
                "belong to; the page sets it, leave it out."
            )
        options = ModelAdmin(
            inline.model,
            fields=inline.fields,
            exclude=() if inline.fields is not None else (fk,),
            verbose_name=inline.verbose_name,
            verbose_name_plural=inline.verbose_name_plural,
        )
        return InlineModel(AdminModel(options, per_page=per_page), fk, inline.extra)


def _mapper(model: type[Any], where: str) -> Mapper[Any]:
    try:
        found: Any = sa_inspect(model)
    except NoInspectionAvailable:
        found = None
    if not isinstance(found, Mapper):
        raise ImproperlyConfigured(f"{where}: {model!r} is not a mapped model class.")
    return found


def _listing(names: Sequence[str] | Any) -> str:
    listed = list(names)
    return ", ".join(listed) if listed else "none"
