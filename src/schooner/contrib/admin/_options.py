"""What a project declares about a model's admin pages: ``ModelAdmin``, ``Column``, ``Fieldset``.

These are plain frozen values, checked for their types when made. Whether the names they
hold exist on the model is checked when the app is built, once every model is mapped
(``_plan`` resolves them), so a typo fails at startup with the valid names in the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from schooner.contrib.admin._actions import Action, check_actions
from schooner.contrib.admin._filters import Filter
from schooner.contrib.admin._widgets import Widget
from schooner.exceptions import ImproperlyConfigured

__all__ = ["Cell", "Column", "Fieldset", "Inline", "ModelAdmin"]

M = TypeVar("M")

Cell: TypeAlias = str | int | float | Decimal | bool | date | datetime | None
"""What a computed column gives for a row; shown as the change list shows a field's value."""

MAX_PER_PAGE = 1000
"""The most rows one change-list page may show."""

MAX_EXTRA = 100
"""The most empty rows an inline may offer."""


@dataclass(frozen=True, slots=True)
class Column(Generic[M]):
    """A computed column of the change list (or a read-only line of the edit form).

    ::

        Column("Recent?", lambda q: q.pub_date > now() - timedelta(days=1), sort_by="pub_date")

    Args:
        title: the column heading.
        value: ``(obj) -> str | int | float | Decimal | bool | date | datetime | None``.
            It sees the row's columns; relationships are not loaded (show a related value
            with a path such as ``"question__question_text"`` instead).
        sort_by: a field or path the column sorts by when its heading is clicked; without
            one the column is not sortable.
    """

    title: str
    value: Callable[[M], Cell]
    _: KW_ONLY
    sort_by: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise ImproperlyConfigured(
                f"Column({self.title!r}, ...): the title is the heading, a non-empty string."
            )
        if not callable(self.value):
            raise ImproperlyConfigured(
                f"Column({self.title!r}, {self.value!r}): the value is a function of the row, "
                "such as lambda question: question.question_text.upper()."
            )
        if self.sort_by is not None and (not isinstance(self.sort_by, str) or not self.sort_by):
            raise ImproperlyConfigured(
                f"Column({self.title!r}, sort_by={self.sort_by!r}): sort_by names a field."
            )


@dataclass(frozen=True, slots=True)
class Fieldset:
    """A titled group of fields on the edit page.

    ::

        Fieldset("Publication", ["pub_date", "is_published"], description="When it shows.")

    Args:
        title: the group's heading (``None``: no heading, for the first group).
        fields: field names (columns, or a relationship to one row), and ``Column`` s shown
            read-only.
        description: a line under the heading.
    """

    title: str | None
    fields: Sequence[str | Column[Any]]
    _: KW_ONLY
    description: str | None = None

    def __post_init__(self) -> None:
        if self.title is not None and not isinstance(self.title, str):
            raise ImproperlyConfigured(f"Fieldset({self.title!r}): the title is a string or None.")
        object.__setattr__(self, "fields", _names(self.fields, f"Fieldset({self.title!r})"))
        if not self.fields:
            raise ImproperlyConfigured(f"Fieldset({self.title!r}) has no fields.")


@dataclass(frozen=True, slots=True)
class Inline:
    """Rows of another model that refer to the edited one, edited on its page.

    ::

        ModelAdmin(Question, inlines=[Inline(Choice, fields=["choice_text", "votes"])])

    The parent's add and change pages show each related row as a small form (with a
    "Delete" box), then ``extra`` empty rows to add; everything is saved in one transaction
    with the parent, or nothing is. The inline model's own permissions apply: without
    ``add`` no empty rows, without ``change`` its rows are shown as text, without ``delete``
    no delete box, without ``view`` no inline at all.

    Args:
        model: the mapped model class whose rows refer to the parent through a foreign key.
        fields: the fields of each row (default: its editable columns but the key to the
            parent).
        extra: how many empty rows to offer for new rows (0 to 100).
        fk: the foreign key column to the parent, when the model has more than one.
        verbose_name: the row's name (default from the class name).
        verbose_name_plural: the heading (default: ``verbose_name`` + ``"s"``).
    """

    model: type[Any]
    _: KW_ONLY
    fields: Sequence[str] | None = None
    extra: int = 3
    fk: str | None = None
    verbose_name: str | None = None
    verbose_name_plural: str | None = None

    def __post_init__(self) -> None:
        where = f"Inline({getattr(self.model, '__name__', self.model)!r})"
        if not isinstance(self.model, type):
            raise ImproperlyConfigured(f"{where}: the first argument is a model class.")
        if self.fields is not None:
            names = _names(self.fields, f"{where}.fields")
            if any(isinstance(name, Column) for name in names):
                raise ImproperlyConfigured(f"{where}: fields takes field names, not Columns.")
            object.__setattr__(self, "fields", names)
        extra = self.extra
        if not isinstance(extra, int) or isinstance(extra, bool) or not 0 <= extra <= MAX_EXTRA:
            raise ImproperlyConfigured(
                f"{where}: extra is a whole number from 0 to {MAX_EXTRA} (got {extra!r})."
            )
        for option in ("fk", "verbose_name", "verbose_name_plural"):
            value = getattr(self, option)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ImproperlyConfigured(f"{where}: {option} is a non-empty string.")


@dataclass(frozen=True)
class ModelAdmin(Generic[M]):
    """How the admin shows and edits one model; give it to ``Admin(models=[...])``.

    ::

        ModelAdmin(
            Question,
            list_display=["question_text", "pub_date", Column("Recent?", was_recent)],
            search_fields=["question_text"],
            ordering=["-pub_date"],
        )

    Every name is checked when the app is built: a name that is not a field of the model
    stops the app with the list of valid names.

    Args:
        model: the mapped model class (a ``schooner.contrib.orm.Model``), in the default
            database, with a one-column primary key.
        list_display: the change list's columns: field names, paths through many-to-one
            relationships (``"question__question_text"``) and ``Column`` s. Default: the
            object's label (``str(obj)`` when the model defines ``__str__``).
        search_fields: text fields (or paths to them) that ``?q=`` searches, ignoring case;
            every word of the query must match one of them. Empty: no search box.
        search: ``"contains"`` (every word found in a field, ignoring case) or
            ``"fulltext"``: on PostgreSQL, ``to_tsvector(fields) @@
            websearch_to_tsquery(q)`` in the database's default text search configuration
            (words match their other forms, ``"a phrase"``, ``or`` and ``-word`` work);
            other databases search as ``"contains"`` does.
        ordering: the default order, fields with ``-`` for descending
            (``["-pub_date"]``); the primary key always ends it, so pages are stable.
        list_per_page: rows per page (``AdminConfig.list_per_page`` when unset).
        estimate_count_over: on PostgreSQL, a list with no search and no filter counts its
            rows from the planner's statistics (``pg_class.reltuples``, shown as "about
            N") once they say the table holds at least this many rows, instead of counting
            every row (``None``: always count exactly). Other databases always count.
        readonly_fields: fields (or ``Column`` s) shown as text on the edit page.
        fields: the edit page's fields, in order (default: every editable column, the
            many-to-many relationships, then ``readonly_fields``). A relationship to one row
            names its foreign key; a many-to-many relationship is a multiple select.
        fieldsets: the edit page's fields in titled groups, instead of ``fields``.
        exclude: fields left out of the default edit page.
        list_filter: the change list's filters: boolean, enum, date and datetime fields,
            many-to-one relationships (or their key columns) and ``Filter`` s.
        actions: the change list's bulk actions (``Action`` s), after the built-in
            "delete selected".
        verbose_name: the model's name in the pages (``"question"``; default from the class
            name: ``BlogPost`` → ``"blog post"``).
        verbose_name_plural: the plural (default: ``verbose_name`` + ``"s"``).
        inlines: ``Inline`` s: rows of other models that refer to this one, edited on its
            add and change pages.
        autocomplete_fields: foreign keys (or many-to-one relationships) edited as a text
            input that takes the related row's id and suggests rows as one types, instead
            of a select of every row (for large tables). The related model needs a
            ``ModelAdmin`` with ``search_fields``.
        widgets: ``{"field": Widget(...)}``: how an edit field is drawn (a textarea with
            rows, a colour or range input); parsing and checks stay the column's.

    Raises:
        ImproperlyConfigured: an option has the wrong type or value (names are checked when
            the app is built).
    """

    model: type[M]
    _: KW_ONLY
    list_display: Sequence[str | Column[M]] = ()
    search_fields: Sequence[str] = ()
    search: Literal["contains", "fulltext"] = "contains"
    ordering: Sequence[str] = ()
    list_per_page: int | None = None
    estimate_count_over: int | None = 100_000
    readonly_fields: Sequence[str | Column[M]] = ()
    fields: Sequence[str | Column[M]] | None = None
    fieldsets: Sequence[Fieldset] | None = None
    exclude: Sequence[str] = ()
    list_filter: Sequence[str | Filter[M]] = ()
    actions: Sequence[Action[M]] = ()
    verbose_name: str | None = None
    verbose_name_plural: str | None = None
    inlines: Sequence[Inline] = ()
    autocomplete_fields: Sequence[str] = ()
    widgets: Mapping[str, Widget] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        where = f"ModelAdmin({getattr(self.model, '__name__', self.model)!r})"
        if not isinstance(self.model, type):
            raise ImproperlyConfigured(f"{where}: the first argument is a model class.")
        for option in ("list_display", "readonly_fields"):
            object.__setattr__(self, option, _names(getattr(self, option), f"{where}.{option}"))
        for option in ("search_fields", "ordering", "exclude", "autocomplete_fields"):
            names = _names(getattr(self, option), f"{where}.{option}")
            if any(isinstance(name, Column) for name in names):
                raise ImproperlyConfigured(f"{where}: {option} takes field names, not Columns.")
            object.__setattr__(self, option, names)
        filters = _names(self.list_filter, f"{where}.list_filter", Filter)
        object.__setattr__(self, "list_filter", filters)
        object.__setattr__(self, "actions", check_actions(self.actions, where))
        if self.fields is not None:
            object.__setattr__(self, "fields", _names(self.fields, f"{where}.fields"))
        if self.fieldsets is not None:
            if self.fields is not None:
                raise ImproperlyConfigured(
                    f"{where}: give fields or fieldsets, not both (fieldsets already say "
                    "which fields the page shows)."
                )
            sets = tuple(self.fieldsets) if _is_sequence(self.fieldsets) else None
            if not sets or not all(isinstance(s, Fieldset) for s in sets):
                raise ImproperlyConfigured(
                    f"{where}: fieldsets is a list of Fieldset(title, [fields...])."
                )
            object.__setattr__(self, "fieldsets", sets)
        per_page = self.list_per_page
        if per_page is not None and (
            not isinstance(per_page, int) or isinstance(per_page, bool) or per_page < 1
        ):
            raise ImproperlyConfigured(f"{where}: list_per_page must be a whole number above 0.")
        if per_page is not None and per_page > MAX_PER_PAGE:
            raise ImproperlyConfigured(
                f"{where}: list_per_page is at most {MAX_PER_PAGE} (got {per_page})."
            )
        if self.search not in ("contains", "fulltext"):
            raise ImproperlyConfigured(
                f"{where}: search is 'contains' or 'fulltext' (got {self.search!r})."
            )
        over = self.estimate_count_over
        if over is not None and (not isinstance(over, int) or isinstance(over, bool) or over < 1):
            raise ImproperlyConfigured(
                f"{where}: estimate_count_over is a whole number above 0, or None to always "
                f"count exactly (got {over!r})."
            )
        for option in ("verbose_name", "verbose_name_plural"):
            value = getattr(self, option)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ImproperlyConfigured(f"{where}: {option} is a non-empty string.")
        inlines = tuple(self.inlines) if _is_sequence(self.inlines) else None
        if inlines is None or not all(isinstance(i, Inline) for i in inlines):
            raise ImproperlyConfigured(f"{where}: inlines is a list of Inline(Model, ...).")
        object.__setattr__(self, "inlines", inlines)
        widgets = self.widgets
        if not isinstance(widgets, Mapping) or not all(
            isinstance(k, str) and isinstance(w, Widget) for k, w in widgets.items()
        ):
            raise ImproperlyConfigured(f"{where}: widgets maps field names to Widget(...)s.")
        object.__setattr__(self, "widgets", dict(widgets))


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _names(value: object, where: str, kind: type[Any] = Column) -> tuple[Any, ...]:
    """``value`` as a tuple of field names and ``Column`` s (or ``kind``), checked."""
    if not _is_sequence(value):
        raise ImproperlyConfigured(
            f"{where} is a list of field names, such as ['question_text'], not {value!r}."
        )
    names: tuple[Any, ...] = tuple(value)  # type: ignore[arg-type]  # _is_sequence checked it
    for name in names:
        if not (isinstance(name, kind) or (isinstance(name, str) and name)):
            raise ImproperlyConfigured(
                f"{where}: {name!r} is not a field name or a {kind.__name__}."
            )
    return names
