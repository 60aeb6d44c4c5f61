"""The change list's filters: ``ModelAdmin(list_filter=[...])``.

A filter narrows the list by one field, with its own query parameters:

* a boolean field: ``?active=1`` (yes), ``0`` (no), ``none`` (unknown, when nullable);
* an enum field: ``?status=LIVE`` (the member's name; the value for plain string enums);
* a foreign key (the relationship's name, or its key column): ``?question=3`` (the related
  row's key). The select lists only the related rows some row of the list refers to,
  the first ``RELATED_CHOICES`` by key, so a large related table does not fill the page;
* a date or datetime field: ``?pub_date__since=2025-01-01&pub_date__until=2025-01-31``,
  both days included (datetime fields compare in UTC);
* a :class:`Filter`: custom options and a function that narrows the query.

Filters combine with each other, with the search and the sort. A value that is not one of a
filter's options is ignored and a note on the page says so: the list never fails on its
address. Names are checked when the app is built.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from sqlalchemy import Boolean, Date, DateTime, Enum, Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty, RelationshipProperty
from sqlalchemy.sql import ColumnElement
from sqlalchemy.types import TypeDecorator

from schooner.contrib.admin._values import (
    display,
    humanize,
    object_label,
    storable,
    verbose_name_of,
)
from schooner.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from schooner.contrib.admin._plan import AdminModel

__all__ = ["RELATED_CHOICES", "Filter", "FilterView", "ListFilter", "filter_views", "resolve"]

M = TypeVar("M")

RELATED_CHOICES = 100
"""The most related rows a foreign-key filter lists."""

RESERVED = frozenset({"q", "o", "p"})
_PARAMETER = re.compile(r"[a-z_][a-z0-9_]{0,59}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NONE = "none"


@dataclass(frozen=True, slots=True)
class Filter(Generic[M]):
    """A filter of the project's own: a title, a query parameter, options and a function.

    ::

        def by_age(statement: Select[Any], value: str) -> Select[Any]:
            cutoff = datetime.now(UTC) - timedelta(days=int(value))
            return statement.where(Question.pub_date >= cutoff)

        Filter("Published", "age", [("1", "Today"), ("7", "This week")], by_age)

    Args:
        title: the heading of its select.
        parameter: its name in the query string (lowercase letters, digits, ``_``; not
            ``q``, ``o`` or ``p``).
        options: ``(value, label)`` pairs; only these values reach ``narrow``.
        narrow: ``(statement, value) -> statement``: add ``where`` clauses to the list's
            ``select`` (the count's and the page's) for the chosen value.
    """

    title: str
    parameter: str
    options: Sequence[tuple[str, str]]
    narrow: Callable[[Select[Any], str], Select[Any]]

    def __post_init__(self) -> None:
        where = f"Filter({self.title!r}, {self.parameter!r})"
        if not isinstance(self.title, str) or not self.title.strip():
            raise ImproperlyConfigured(f"{where}: the title is a non-empty string.")
        if not isinstance(self.parameter, str) or not _PARAMETER.fullmatch(self.parameter):
            raise ImproperlyConfigured(
                f"{where}: the parameter is a query-string name of lowercase letters, digits "
                "and underscores, such as 'age'."
            )
        pairs = tuple(self.options) if isinstance(self.options, Sequence) else ()
        if not pairs or not all(
            isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            for pair in pairs
        ):
            raise ImproperlyConfigured(f"{where}: options is a list of (value, label) strings.")
        if len({value for value, _ in pairs}) != len(pairs):
            raise ImproperlyConfigured(f"{where}: two options have the same value.")
        object.__setattr__(self, "options", pairs)
        if not callable(self.narrow):
            raise ImproperlyConfigured(f"{where}: narrow is a function (statement, value).")


class ListFilter(ABC):
    """A filter resolved against the model: its parameters, what they accept, how it
    narrows the statement and which options it shows."""

    title: str
    parameters: tuple[str, ...]
    kind = "select"  # or "range": a since and an until input
    refusal = "is not one of its choices"  # what the page says of a value it ignores

    @abstractmethod
    def accepts(self, parameter: str, raw: str) -> bool:
        """Whether ``raw`` is a valid value of ``parameter``."""

    @abstractmethod
    def narrow(self, statement: Select[Any], chosen: Mapping[str, str]) -> Select[Any]:
        """``statement`` narrowed by the chosen values (all accepted)."""

    async def options(self, db: AsyncSession) -> tuple[list[tuple[str, str]], bool]:
        """The ``(value, label)`` options, and whether the list was cut short."""
        return [], False


class _Select(ListFilter):
    """A select of fixed options, each a condition on a column."""

    def __init__(
        self,
        title: str,
        parameter: str,
        conditions: dict[str, Any],
        labels: list[tuple[str, str]],
    ) -> None:
        self.title = title
        self.parameters = (parameter,)
        self.conditions = conditions
        self.labels = labels

    def accepts(self, parameter: str, raw: str) -> bool:
        return raw in self.conditions

    def narrow(self, statement: Select[Any], chosen: Mapping[str, str]) -> Select[Any]:
        raw = chosen.get(self.parameters[0])
        return statement if raw is None else statement.where(self.conditions[raw])

    async def options(self, db: AsyncSession) -> tuple[list[tuple[str, str]], bool]:
        return self.labels, False


class _Custom(ListFilter):
    def __init__(self, spec: Filter[Any]) -> None:
        self.title = spec.title
        self.parameters = (spec.parameter,)
        self.spec = spec

    def accepts(self, parameter: str, raw: str) -> bool:
        return any(raw == value for value, _ in self.spec.options)

    def narrow(self, statement: Select[Any], chosen: Mapping[str, str]) -> Select[Any]:
        raw = chosen.get(self.parameters[0])
        return statement if raw is None else self.spec.narrow(statement, raw)

    async def options(self, db: AsyncSession) -> tuple[list[tuple[str, str]], bool]:
        return list(self.spec.options), False


class _Related(ListFilter):
    def __init__(self, title: str, key: Any, relation: RelationshipProperty[Any]) -> None:
        self.title = title
        self.parameters = (relation.key,)
        self.key = key
        self.related = relation.mapper.class_
        self.related_pk = relation.mapper.primary_key[0]
        self.nullable = bool(key.nullable)

    def _value(self, raw: str) -> Any:
        """``raw`` as a key of the related table, or ``None`` when it cannot be one."""
        try:
            kind = self.related_pk.type.python_type
            value = msgspec.convert(raw, kind, strict=False)
        except (NotImplementedError, msgspec.ValidationError):
            return None
        return value if storable(self.key.type, value) else None

    def accepts(self, parameter: str, raw: str) -> bool:
        return (raw == NONE and self.nullable) or (len(raw) <= 100 and self._value(raw) is not None)

    def narrow(self, statement: Select[Any], chosen: Mapping[str, str]) -> Select[Any]:
        raw = chosen.get(self.parameters[0])
        if raw is None:
            return statement
        if raw == NONE and self.nullable:
            return statement.where(self.key.is_(None))
        return statement.where(self.key == self._value(raw))

    async def options(self, db: AsyncSession) -> tuple[list[tuple[str, str]], bool]:
        referred = select(self.key).where(self.key.is_not(None)).distinct()
        found = await db.scalars(
            select(self.related)
            .where(self.related_pk.in_(referred))
            .order_by(self.related_pk)
            .limit(RELATED_CHOICES + 1)
        )
        rows = list(found)
        name = verbose_name_of(self.related)
        labelled = [(str(self._pk(row)), object_label(row, name)) for row in rows]
        labelled = sorted(labelled[:RELATED_CHOICES], key=lambda pair: pair[1].casefold())
        if self.nullable:
            labelled.append((NONE, "None"))
        return labelled, len(rows) > RELATED_CHOICES

    def _pk(self, row: Any) -> Any:
        mapper = self.related.__mapper__
        return getattr(row, mapper.get_property_by_column(self.related_pk).key)


class _Range(ListFilter):
    kind = "range"
    refusal = "is not a date (YYYY-MM-DD)"

    def __init__(self, title: str, name: str, column: Any) -> None:
        self.title = title
        self.parameters = (f"{name}__since", f"{name}__until")
        self.column = column
        self.instants = isinstance(_kind(column), DateTime)

    def accepts(self, parameter: str, raw: str) -> bool:
        return _day(raw) is not None

    def narrow(self, statement: Select[Any], chosen: Mapping[str, str]) -> Select[Any]:
        since, until = (_day(chosen.get(p, "")) for p in self.parameters)
        if since is not None:
            statement = statement.where(self.column >= self._bound(since))
        if until is not None and until < date.max:
            statement = statement.where(self.column < self._bound(until + timedelta(days=1)))
        return statement

    def _bound(self, day: date) -> date | datetime:
        if not self.instants:
            return day
        zone = UTC if getattr(_kind(self.column), "timezone", False) else None
        return datetime.combine(day, time(), zone)


def _day(raw: str) -> date | None:
    if not _DAY.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def resolve(model: AdminModel, items: Sequence[str | Filter[Any]]) -> list[ListFilter]:
    """The filters of ``list_filter``, checked (see the module documentation).

    Raises:
        ImproperlyConfigured: a name is not a filterable field, or two filters share a
            parameter.
    """
    filters = [_Custom(item) if isinstance(item, Filter) else _field(model, item) for item in items]
    seen: set[str] = set()
    for found in filters:
        for parameter in found.parameters:
            if parameter in RESERVED or parameter in seen:
                raise ImproperlyConfigured(
                    f"{model.where}: the filter {found.title!r} uses the query parameter "
                    f"{parameter!r}, which "
                    + ("the list uses itself (q, o, p)." if parameter in RESERVED else "is taken.")
                )
            seen.add(parameter)
    return filters


def _field(model: AdminModel, name: str) -> ListFilter:
    relation = model.mapper.relationships.get(name)
    prop = model.mapper.column_attrs.get(name)
    if relation is None and prop is not None and prop.columns[0].foreign_keys:
        relation = _relation_of(model, prop)
    if relation is not None and not relation.uselist and len(relation.local_columns) == 1:
        key = next(iter(relation.local_columns))
        return _Related(humanize(relation.key), key, relation)
    if prop is None:
        raise ImproperlyConfigured(_unknown(model, name))
    column = prop.columns[0]
    title = model.path(name).title
    if isinstance(_kind(column), Boolean):
        conditions = {"1": column == true(), "0": column != true()}
        labels = [("1", "Yes"), ("0", "No")]
        return _Select(title, name, _nullable(column, conditions, labels), labels)
    if isinstance(column.type, Enum):
        members: list[Any] = list(column.type.enum_class or column.type.enums)
        keys = [getattr(m, "name", m) for m in members]
        conditions = {key: column == member for key, member in zip(keys, members, strict=True)}
        labels = [(key, display(member)) for key, member in zip(keys, members, strict=True)]
        return _Select(title, name, _nullable(column, conditions, labels), labels)
    if isinstance(_kind(column), Date | DateTime):
        return _Range(title, name, column)
    raise ImproperlyConfigured(_unknown(model, name))


def _nullable(column: Any, conditions: dict[str, Any], labels: list[tuple[str, str]]) -> Any:
    if column.nullable:
        conditions[NONE] = column.is_(None)
        labels.append((NONE, "Unknown"))
    return conditions


def _relation_of(model: AdminModel, prop: ColumnProperty[Any]) -> RelationshipProperty[Any] | None:
    for relation in model.mapper.relationships:
        if not relation.uselist and set(relation.local_columns) == set(prop.columns):
            return relation
    return None


def _kind(column: Any) -> Any:
    """The column's type, under a ``TypeDecorator`` (``UTCDateTime`` is a ``DateTime``)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _unknown(model: AdminModel, name: str) -> str:
    usable = []
    for prop in model.mapper.column_attrs:
        column: ColumnElement[Any] = prop.columns[0]
        if isinstance(_kind(column), Boolean | Enum | Date | DateTime):
            usable.append(prop.key)
    usable += [r.key for r in model.mapper.relationships if not r.uselist]
    return (
        f"{model.where}: list_filter names {name!r}, which is not a boolean, enum, date or "
        f"datetime field or a many-to-one relationship of {model.model.__name__} (those are: "
        f"{', '.join(usable) or 'none'}); write a Filter(...) for anything else."
    )


@dataclass(frozen=True, slots=True)
class FilterView:
    """What the sidebar shows of one filter.

    Attributes:
        title: the heading.
        kind: ``"select"`` or ``"range"``.
        parameters: the query parameters (one, or since and until).
        values: the chosen value of each parameter (``""`` when none).
        options: the select's ``(value, label)`` options.
        truncated: whether the options were cut short (``RELATED_CHOICES``).
    """

    title: str
    kind: str
    parameters: tuple[str, ...]
    values: tuple[str, ...]
    options: list[tuple[str, str]]
    truncated: bool


async def filter_views(
    db: AsyncSession, filters: Sequence[ListFilter], chosen: Mapping[str, str]
) -> list[FilterView]:
    """The sidebar's filters with their options and chosen values."""
    views = []
    for found in filters:
        options, truncated = await found.options(db)
        values = tuple(chosen.get(p, "") for p in found.parameters)
        views.append(
            FilterView(found.title, found.kind, found.parameters, values, options, truncated)
        )
    return views
