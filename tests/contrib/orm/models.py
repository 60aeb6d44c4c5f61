"""The models the database battery's tests use, on their own metadata."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, MetaData, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schooner.contrib.orm import (
    NAMING_CONVENTION,
    UUIDPK,
    IntPK,
    Model,
    Timestamps,
    Versioned,
)


class Base(Model):
    """Abstract base: the tests' tables live apart from ``Model.metadata``."""

    __abstract__ = True
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Port(IntPK, Base):
    """A home port: the "one" side of a relationship."""

    __tablename__ = "orm_ports"

    name: Mapped[str] = mapped_column(String(50), unique=True)
    ships: Mapped[list[Ship]] = relationship(back_populates="port", order_by="Ship.id")


class Ship(IntPK, Timestamps, Base):
    """A row with a unique column, a private column, a nullable column and a foreign key."""

    __tablename__ = "orm_ships"
    __table_args__ = (CheckConstraint("tonnage >= 0", name="tonnage_positive"),)

    name: Mapped[str] = mapped_column(String(50), unique=True, doc="The ship's name.")
    tonnage: Mapped[int] = mapped_column(default=0)
    captain: Mapped[str | None] = mapped_column(String(50))
    secret_code: Mapped[str] = mapped_column(String(20), default="", info={"private": True})
    port_id: Mapped[int | None] = mapped_column(ForeignKey("orm_ports.id"))
    port: Mapped[Port | None] = relationship(back_populates="ships")


class Counter(IntPK, Base):
    """A counter incremented concurrently (pessimistic locking)."""

    __tablename__ = "orm_counters"

    value: Mapped[int] = mapped_column(default=0)


class Account(IntPK, Versioned, Base):
    """An account with optimistic locking (``version``)."""

    __tablename__ = "orm_accounts"

    balance: Mapped[int] = mapped_column(default=0)


class Cargo(UUIDPK, Base):
    """A UUID-keyed row with a two-column unique constraint and an index."""

    __tablename__ = "orm_cargo"
    __table_args__ = (
        UniqueConstraint("ship_name", "label"),
        Index(None, "label"),
    )

    ship_name: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(50))
    weight: Mapped[int] = mapped_column(default=0)


class AnalyticsBase(Model):
    """Abstract base of a second database's tables."""

    __abstract__ = True
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Visit(IntPK, AnalyticsBase):
    """A row in the second ("analytics") database."""

    __tablename__ = "orm_visits"

    path: Mapped[str] = mapped_column(String(200))
