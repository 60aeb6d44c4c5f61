"""The declarative base ``Model``, the constraint naming convention and common mixins.

Models are plain SQLAlchemy 2 declarative classes with typed ``Mapped[]`` columns::

    class Author(IntPK, Timestamps, Model):
        __tablename__ = "authors"

        name: Mapped[str] = mapped_column(String(100))
        email: Mapped[str] = mapped_column(String(200), unique=True)
        password_hash: Mapped[str] = mapped_column(info={"private": True})

Every constraint and index gets a name from :data:`NAMING_CONVENTION`, so the same model
produces the same DDL — and the same migrations — on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, cast

import msgspec
from sqlalchemy import BigInteger, Integer, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from schooner.contrib.orm._serialize import ModelSchema, schema_for
from schooner.contrib.orm._types import UTCDateTime, utcnow

__all__ = ["NAMING_CONVENTION", "UUIDPK", "IntPK", "Model", "Timestamps", "Versioned"]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Names for indexes (``ix``), unique (``uq``), check (``ck``), foreign-key (``fk``) and
primary-key (``pk``) constraints. Check constraints need a ``name=`` of their own, which the
convention prefixes. Names longer than the backend allows are shortened deterministically
by SQLAlchemy."""


class Model(DeclarativeBase):
    """Base class of your models: ``class Ship(IntPK, Model): __tablename__ = "ships"``.

    * ``Model.metadata`` collects every table, with :data:`NAMING_CONVENTION`; migrations
      and the test fixtures read it.
    * ``Mapped[datetime]`` columns are timezone-aware and stored in UTC on every backend.
    * Server-generated values (defaults, ``updated_at``) are fetched right after each flush,
      so reading them never triggers hidden I/O — which async sessions cannot do.
    * An instance returned by a handler is sent as JSON through its wire schema (see
      :func:`~schooner.contrib.orm.schema_for`): every column not marked private. Assign
      ``__schema__`` after the class to choose another one for the whole model.

    For a second, separate set of tables (another database), derive an abstract base with
    its own metadata::

        class AnalyticsModel(Model):
            __abstract__ = True
            metadata = MetaData(naming_convention=NAMING_CONVENTION)
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}

    __schema__: ClassVar[type[ModelSchema] | None] = None
    """The wire schema used when an instance is returned by a handler (``None``: derived)."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        """Fetch server-side values eagerly; wire :class:`Versioned` to ``version_id_col``.

        A model that needs its own mapper arguments merges them:
        ``__mapper_args__ = {**Model.mapper_defaults(Ship), "polymorphic_on": kind}``.
        """
        return Model.mapper_defaults(cast("type[Any]", cls))

    @staticmethod
    def mapper_defaults(cls: type[Any]) -> dict[str, Any]:
        """The mapper arguments every model gets (see ``__mapper_args__``)."""
        args: dict[str, Any] = {"eager_defaults": True}
        table = vars(cls).get("__table__")
        if issubclass(cls, Versioned) and table is not None:
            args["version_id_col"] = table.c.version
        return args

    def __init__(self, **kwargs: Any) -> None:
        """Set the given attributes; nullable columns without a default start as ``None``.

        Setting them explicitly puts ``NULL`` in the ``INSERT``, so the attribute is known
        after a flush instead of expired — reading an expired attribute would be I/O.
        """
        model = type(self)
        for name in _nullable_without_default(model):
            kwargs.setdefault(name, None)
        for name, value in kwargs.items():
            # What SQLAlchemy's default constructor does, which a custom __init__ replaces.
            if not hasattr(model, name):
                raise TypeError(f"{name!r} is an invalid keyword argument for {model.__name__}")
            setattr(self, name, value)

    @classmethod
    def __wire_schema__(cls) -> type[ModelSchema]:
        """The Struct this model is sent as: ``__schema__``, or ``schema_for(cls)``.

        A duck-typed hook: tools that see a model as a handler's return type (OpenAPI)
        call it without importing the database battery.
        """
        return cls.__schema__ or schema_for(cls)

    def model_dump(self, mode: str = "json") -> Any:
        """Return this instance as JSON-ready data through its wire schema.

        Schooner's response encoder calls this method (the protocol pydantic models also
        follow), which is what lets a handler return a model or a list of models. Pending
        rows must be flushed first, and attributes must be loaded; a clear error says so.
        """
        return msgspec.to_builtins(self.__wire_schema__().from_model(self))

    def __repr__(self) -> str:
        mapper = self.__mapper__
        keys = ", ".join(
            f"{c.key}={getattr(self, c.key, None)!r}"
            for c in mapper.primary_key
            if c.key is not None and c.key in self.__dict__
        )
        return f"<{type(self).__name__} {keys}>" if keys else f"<{type(self).__name__}>"


_NULLABLE: dict[type[Any], tuple[str, ...]] = {}


def _nullable_without_default(model: type[Any]) -> tuple[str, ...]:
    names = _NULLABLE.get(model)
    if names is None:
        names = tuple(
            prop.key
            for prop in model.__mapper__.column_attrs
            if all(
                c.nullable and c.default is None and c.server_default is None and not c.primary_key
                for c in prop.columns
            )
        )
        _NULLABLE[model] = names
    return names


class IntPK:
    """An auto-incrementing integer primary key ``id`` (``BIGINT``; ``INTEGER`` on SQLite,
    where only that type auto-increments)."""

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        sort_order=-100,
        info={"read_only": True},
    )


class UUIDPK:
    """A UUID primary key ``id`` generated in Python (``uuid4``), so it is known before the
    row is written; native ``uuid`` on PostgreSQL, ``CHAR(32)`` elsewhere."""

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), primary_key=True, default=uuid.uuid4, sort_order=-100, info={"read_only": True}
    )


class Timestamps:
    """``created_at`` and ``updated_at``: aware UTC instants set by the database.

    Both default to the database's current UTC time when the row is inserted;
    ``updated_at`` is set again by every ``UPDATE`` the ORM issues (bulk ``UPDATE``
    statements you write by hand must set it themselves).
    """

    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=utcnow(), sort_order=100, info={"read_only": True}
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(),
        server_default=utcnow(),
        onupdate=utcnow(),
        sort_order=101,
        info={"read_only": True},
    )


class Versioned:
    """Optimistic locking: an integer ``version`` checked and bumped by every ``UPDATE``.

    The ORM adds ``WHERE version = <the version you read>`` to each update of the row; if
    someone else changed the row in between, no row matches and the flush raises
    ``sqlalchemy.orm.exc.StaleDataError``, which the database component answers with
    ``409 Conflict``. Nothing is locked while the user edits, and no update is lost.
    """

    version: Mapped[int] = mapped_column(nullable=False, sort_order=99, info={"read_only": True})
