"""Filters and ordering from validated query parameters, declared as a typed class.

::

    class ShipFilters(FilterSet, model=Ship, ordering=("name", "tonnage", "created_at")):
        name: str | None = None                 # ?name=Bluenose          (equals)
        name__icontains: str | None = None      # ?name__icontains=blue
        tonnage__ge: int | None = None          # ?tonnage__ge=100
        port_id__in: list[int] | None = None    # ?port_id__in=1&port_id__in=2

    @app.get("/ships")
    async def ships(filters: ShipFilters, session: AsyncSession) -> list[Ship]:
        return list(await session.scalars(filters.apply(select(Ship))))

Each attribute is a query parameter, converted and validated like any other (a bad value
is a 422 naming it) and listed in the OpenAPI document; ``?order_by=-tonnage,name`` sorts by
the allowed columns only. A filter on an integer column also takes the column's range as
its bounds: ``?tonnage__ge=9223372036854775808`` is a 422, not a database error.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import msgspec
from sqlalchemy import Select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.sql.elements import ColumnElement

from schooner.contrib.orm._types import integer_bounds
from schooner.di.markers import Param, Query
from schooner.exceptions import ImproperlyConfigured, ValidationError

__all__ = ["FilterSet"]

ORDER_PARAM = "order_by"

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda column, value: column == value,
    "ne": lambda column, value: column != value,
    "lt": lambda column, value: column < value,
    "le": lambda column, value: column <= value,
    "gt": lambda column, value: column > value,
    "ge": lambda column, value: column >= value,
    "in": lambda column, value: column.in_(value),
    "contains": lambda column, value: column.contains(value, autoescape=True),
    "icontains": lambda column, value: column.icontains(value, autoescape=True),
    "startswith": lambda column, value: column.startswith(value, autoescape=True),
    "istartswith": lambda column, value: column.istartswith(value, autoescape=True),
    "isnull": lambda column, value: column.is_(None) if value else column.is_not(None),
}


class FilterSet:
    """Base of typed filter classes; see the module documentation.

    Class keywords:
        model: the mapped class whose columns the attributes name.
        ordering: columns ``order_by`` may name (each also as ``-name`` for descending).
        default_order: the ordering when none is given, e.g. ``("-created_at",)``.

    Attribute names are ``column`` (equals) or ``column__op`` with ``op`` one of ``eq``,
    ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``in`` (a list), ``contains``, ``icontains``,
    ``startswith``, ``istartswith`` (text, with ``%`` and ``_`` matched literally) and
    ``isnull`` (a bool). A value of ``None`` (the parameter is absent) filters nothing.
    """

    __model__: ClassVar[type[Any]]
    __ordering__: ClassVar[tuple[str, ...]] = ()
    __default_order__: ClassVar[tuple[str, ...]] = ()
    __filters__: ClassVar[dict[str, tuple[str, str]]] = {}

    def __init_subclass__(
        cls,
        *,
        model: type[Any] | None = None,
        ordering: Sequence[str] = (),
        default_order: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if model is None:
            raise ImproperlyConfigured(f"{cls.__name__} needs model=: class X(FilterSet, model=M).")
        table_columns = sa_inspect(model).columns
        columns = set(table_columns.keys())
        cls.__model__ = model
        cls.__ordering__ = tuple(ordering)
        cls.__default_order__ = tuple(default_order)
        for name in (*ordering, *(o.lstrip("-") for o in default_order)):
            if name not in columns:
                raise ImproperlyConfigured(
                    f"{cls.__name__}: {model.__name__} has no column {name!r}."
                )
        filters: dict[str, tuple[str, str]] = {}
        parameters: list[inspect.Parameter] = []
        hints = typing.get_type_hints(cls, include_extras=True)
        for name, annotation in hints.items():
            if name.startswith("_") or get_origin(annotation) is ClassVar:
                continue
            column, _, op = name.partition("__")
            op = op or "eq"
            if column not in columns:
                raise ImproperlyConfigured(
                    f"{cls.__name__}.{name}: {model.__name__} has no column {column!r}."
                )
            if op not in _OPERATORS:
                raise ImproperlyConfigured(
                    f"{cls.__name__}.{name}: unknown operator {op!r}; use one of "
                    f"{', '.join(_OPERATORS)}."
                )
            filters[name] = (column, op)
            bounds = integer_bounds(table_columns[column].type)
            if bounds is not None:
                annotation = _bounded(annotation, bounds)
            default = cls.__dict__.get(name, None)
            parameters.append(_query_parameter(name, annotation, default))
        if ordering:
            choices = ", ".join(ordering)
            parameters.append(
                _query_parameter(
                    ORDER_PARAM,
                    Annotated[
                        str | None,
                        Query(
                            description=f"Comma-separated columns, '-' for descending: {choices}."
                        ),
                    ],
                    None,
                )
            )
        cls.__filters__ = filters

        def provide(**values: Any) -> FilterSet:
            return cls(**values)

        provide.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        provide.__annotations__ = {p.name: p.annotation for p in parameters}
        provide.__qualname__ = f"{cls.__qualname__}.provider"
        provide.__module__ = cls.__module__
        cls.__schooner_provider__ = staticmethod(provide)  # type: ignore[attr-defined]

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self.__filters__) - {ORDER_PARAM}
        if unknown:
            raise TypeError(f"{type(self).__name__} has no filter {', '.join(sorted(unknown))}.")
        self.values = {name: values.get(name) for name in self.__filters__}
        self.order = self._parse_order(values.get(ORDER_PARAM))

    def _parse_order(self, text: str | None) -> tuple[str, ...]:
        if not text:
            return self.__default_order__
        names = tuple(part.strip() for part in text.split(",") if part.strip())
        bad = [n for n in names if n.lstrip("-") not in self.__ordering__]
        if bad:
            allowed = ", ".join(self.__ordering__) or "nothing"
            raise ValidationError(
                [
                    {
                        "loc": ["query", ORDER_PARAM],
                        "msg": f"Cannot order by {', '.join(bad)}; allowed: {allowed}.",
                        "type": "invalid",
                    }
                ]
            )
        return names

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of the filters that were given."""
        model = self.__model__
        found: list[ColumnElement[bool]] = []
        for name, (column, op) in self.__filters__.items():
            value = self.values.get(name)
            if value is None or (op == "in" and not value):
                continue
            found.append(_OPERATORS[op](getattr(model, column), value))
        return found

    def apply(self, statement: Select[Any]) -> Select[Any]:
        """``statement`` with the filters' WHERE clauses and the requested ORDER BY."""
        conditions = self.conditions()
        if conditions:
            statement = statement.where(*conditions)
        if self.order:
            model = self.__model__
            statement = statement.order_by(
                *(
                    getattr(model, n[1:]).desc() if n.startswith("-") else getattr(model, n).asc()
                    for n in self.order
                )
            )
        return statement

    def __repr__(self) -> str:
        given = {k: v for k, v in self.values.items() if v is not None}
        return f"<{type(self).__name__} {given} order={list(self.order)}>"


def _query_parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    if get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        if not any(isinstance(e, Query) for e in extras):
            annotation = Annotated[base, *extras, Query()]
    else:
        annotation = Annotated[annotation, Query()]
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def _bounded(annotation: Any, bounds: tuple[int, int]) -> Any:
    """``annotation`` with ``bounds`` on every ``int`` it holds (``int | None``, ``list[int]``).

    The bounds go on the ``int`` itself, not on the whole annotation, where msgspec would
    refuse them (a list has no minimum). A ``Query(ge=...)`` of the user's is tightened
    instead, since msgspec refuses two bounds on one side.
    """
    if annotation is int:
        return Annotated[int, msgspec.Meta(ge=bounds[0], le=bounds[1])]
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        extras = annotation.__metadata__
        if any(_sets_bounds(extra) for extra in extras):
            return Annotated[args[0], *(_tightened(extra, bounds) for extra in extras)]
        return Annotated[_bounded(args[0], bounds), *extras]
    if origin in (Union, types.UnionType):
        return Union[tuple(_bounded(arg, bounds) for arg in args)]  # noqa: UP007 - built from a tuple
    if origin in (list, set, frozenset) and len(args) == 1:
        return origin[_bounded(args[0], bounds)]
    return annotation


def _sets_bounds(extra: Any) -> bool:
    return isinstance(extra, Param | msgspec.Meta) and any(
        getattr(extra, name, None) is not None for name in ("ge", "gt", "le", "lt")
    )


def _tightened(extra: Any, bounds: tuple[int, int]) -> Any:
    """A marker's numeric bounds, narrowed to the column's (a ``msgspec.Meta`` is kept)."""
    if not isinstance(extra, Param) or not _sets_bounds(extra):
        return extra
    low, high = bounds
    changes: dict[str, Any] = {}
    if extra.gt is not None:
        changes["gt"] = max(extra.gt, low - 1)
    else:
        changes["ge"] = low if extra.ge is None else max(extra.ge, low)
    if extra.lt is not None:
        changes["lt"] = min(extra.lt, high + 1)
    else:
        changes["le"] = high if extra.le is None else min(extra.le, high)
    return dataclasses.replace(extra, **changes)
