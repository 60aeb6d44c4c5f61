"""``schooner db seed FILE``: load fixtures, idempotently, from JSON or YAML.

A fixture file is a list of records::

    [
      {"model": "TodoList", "fields": {"id": 1, "title": "Groceries"}},
      {"model": "items", "key": ["list_id", "text"], "fields": {"list_id": 1, "text": "Milk"}}
    ]

``model`` is a model's class name or its table name. A record is matched to an existing row
by its primary key (in ``fields``) or by the columns listed in ``key`` (a natural key): a
match is updated, anything else inserted — so loading a file twice leaves the same rows.
Records are loaded parents first. Values are converted to what each column holds, so a file
writes them as JSON can: datetimes, dates and times in ISO 8601 (``"2025-06-01T12:00:00Z"``;
a datetime must say its time zone), decimals and UUIDs as text, enums by value or name,
and JSON columns take any JSON value as it is.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import JSON, Engine, Table, create_engine, event, func, select, text
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from schooner.contrib.migrations._errors import SeedError
from schooner.contrib.orm import Database, Model, python_type_of
from schooner.exceptions import MissingDependency

__all__ = ["SeedResult", "load_fixtures", "read_records"]

# Types a JSON or YAML file cannot hold natively, and numbers written as text.
_CONVERTED = (
    datetime.datetime,
    datetime.date,
    datetime.time,
    uuid.UUID,
    decimal.Decimal,
    int,
    float,
    bool,
)


@dataclass(frozen=True, slots=True)
class SeedResult:
    """How many records were inserted, updated, and already as the file says."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class _Record:
    number: int
    mapper: Mapper[Any]
    fields: dict[str, Any]
    key: tuple[str, ...]


def read_records(path: Path) -> list[Any]:
    """The records of a ``.json``, ``.yaml`` or ``.yml`` file.

    Raises:
        SeedError: the file cannot be read or is not a list.
        MissingDependency: a YAML file without PyYAML installed.
    """
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                yaml = importlib.import_module("yaml")
            except ImportError:
                raise MissingDependency("yaml", "yaml") from None
            data = yaml.safe_load(content)
        else:
            data = json.loads(content)
    except (ValueError, ImportError) as exc:
        if isinstance(exc, MissingDependency):
            raise
        raise SeedError(f"{path} is not valid {path.suffix.lstrip('.').upper()}: {exc}") from None
    if not isinstance(data, list):
        raise SeedError(f"{path} must hold a list of records, not a {type(data).__name__}.")
    return data


def load_fixtures(database: Database, path: Path | str) -> SeedResult:
    """Load the fixture file at ``path`` into ``database`` in one transaction.

    Raises:
        SeedError: a record names an unknown model or column, has no way to be matched,
            or the database refused it (the message says which record).
    """
    path = Path(path)
    records = _parse(database, read_records(path), path)
    engine = _engine(database)
    try:
        with Session(engine) as session, session.begin():
            result = _load(session, records)
            if engine.dialect.name == "postgresql":
                _advance_sequences(session, {r.mapper for r in records})
        return result
    finally:
        engine.dispose()


def _engine(database: Database) -> Engine:
    url = database.sync_url
    engine = create_engine(url, poolclass=NullPool)
    if url.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

    return engine


def _mappers(database: Database) -> dict[str, Mapper[Any]]:
    tables = set(database.metadata.tables.values()) if database.metadata is not None else set()
    found: dict[str, Mapper[Any]] = {}
    for mapper in Model.registry.mappers:
        if mapper.local_table in tables and not mapper.inherits:
            found[mapper.class_.__name__] = mapper
            found[str(getattr(mapper.local_table, "name", ""))] = mapper
    return found


def _parse(database: Database, data: list[Any], path: Path) -> list[_Record]:
    mappers = _mappers(database)
    tables = database.metadata.sorted_tables if database.metadata is not None else []
    order: dict[Any, int] = {table: index for index, table in enumerate(tables)}
    records: list[_Record] = []
    for number, item in enumerate(data, start=1):
        where = f"{path.name}, record {number}"
        if not isinstance(item, Mapping) or not isinstance(item.get("fields"), Mapping):
            raise SeedError(f"{where}: expected {{'model': ..., 'fields': {{...}}}}.")
        mapper = mappers.get(str(item.get("model")))
        if mapper is None:
            known = ", ".join(sorted(k for k in mappers if k[:1].isupper())) or "none"
            raise SeedError(f"{where}: unknown model {item.get('model')!r} (known: {known}).")
        fields = {
            name: _convert(mapper, name, value, where) for name, value in item["fields"].items()
        }
        key = tuple(item.get("key") or ())
        primary = _primary_key(mapper)
        if not key and not all(name in fields for name in primary):
            raise SeedError(
                f"{where}: give the primary key ({', '.join(map(str, primary))}) in 'fields' or "
                "a natural key as 'key': [...]; without either, loading twice would "
                "duplicate the row."
            )
        if missing := [name for name in key if name not in fields]:
            raise SeedError(f"{where}: key columns {missing} are not in 'fields'.")
        records.append(_Record(number, mapper, fields, key))
    records.sort(key=lambda r: order.get(r.mapper.local_table, 0))
    return records


def _convert(mapper: Mapper[Any], name: str, value: Any, where: str) -> Any:
    """``value`` as the column ``name`` holds it (see the module documentation)."""
    column = mapper.columns.get(name)
    if column is None:
        raise SeedError(f"{where}: {mapper.class_.__name__} has no column {name!r}.")
    kind = python_type_of(column.type)
    if value is None or kind is None or isinstance(column.type, JSON):
        return value
    try:
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return _member(kind, value)
        if kind in _CONVERTED and not isinstance(value, kind):
            converted = msgspec.convert(value, kind, strict=False)
            if kind is datetime.datetime and converted.tzinfo is None and _aware(column.type):
                raise ValueError("a datetime needs its time zone, e.g. 2025-06-01T12:00:00Z")
            return converted
    except (msgspec.ValidationError, ValueError) as exc:
        raise SeedError(f"{where}: {name}: {exc}") from None
    return value


def _aware(column_type: Any) -> bool:
    """Whether a datetime column holds instants (``UTCDateTime``, ``DateTime(timezone=True)``)."""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return bool(getattr(column_type, "timezone", False))


def _member(kind: type[enum.Enum], value: Any) -> enum.Enum:
    """The member of ``kind`` whose value, or else name, ``value`` is."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        if isinstance(value, str) and value in kind.__members__:
            return kind.__members__[value]
    choices = ", ".join(repr(member.value) for member in kind)
    raise ValueError(f"{value!r} is not one of {choices}")


def _load(session: Session, records: list[_Record]) -> SeedResult:
    created = updated = unchanged = 0
    for record in records:
        model = record.mapper.class_
        attributes = record.fields
        try:
            row = _existing(session, record)
            if row is None:
                session.add(model(**attributes))
                created += 1
            elif any(getattr(row, k) != v for k, v in attributes.items()):
                for name, value in attributes.items():
                    setattr(row, name, value)
                updated += 1
            else:
                unchanged += 1
            session.flush()
        except Exception as exc:
            message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise SeedError(f"Record {record.number} ({model.__name__}): {message}") from None
    return SeedResult(created, updated, unchanged)


def _primary_key(mapper: Mapper[Any]) -> list[str]:
    return [mapper.get_property_by_column(column).key for column in mapper.primary_key]


def _existing(session: Session, record: _Record) -> Any:
    model = record.mapper.class_
    if not record.key:
        identity = tuple(record.fields[name] for name in _primary_key(record.mapper))
        return session.get(model, identity if len(identity) > 1 else identity[0])
    columns = record.mapper.columns
    query = select(model).where(*(columns[name] == record.fields[name] for name in record.key))
    return session.scalars(query).one_or_none()


def _advance_sequences(session: Session, mappers: set[Mapper[Any]]) -> None:
    """Move PostgreSQL's id sequences past ids the fixtures set, so inserts keep working.

    Inserting an explicit id does not advance the column's sequence; the app's next
    insert would get an id that already exists (Django's ``loaddata`` does the same).
    """
    for mapper in mappers:
        table = mapper.local_table
        column = table.autoincrement_column if isinstance(table, Table) else None
        if column is None or not isinstance(table, Table):
            continue
        sequence = session.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
        highest = session.scalar(select(func.max(column)))
        if sequence is not None and highest is not None:
            session.execute(
                text("SELECT setval(:sequence, :value)"), {"sequence": sequence, "value": highest}
            )
