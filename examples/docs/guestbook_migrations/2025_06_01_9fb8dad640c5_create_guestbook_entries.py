"""create guestbook entries

The first revision of the guestbook battery: it starts the branch "guestbook".

Revision ID: 9fb8dad640c5
Revises: nothing, the first migration
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from schooner.contrib import orm

# --8<-- [start:identifiers]
revision: str = "9fb8dad640c5"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("guestbook",)  # on the branch's first revision
depends_on: str | Sequence[str] | None = None
# --8<-- [end:identifiers]


def upgrade() -> None:
    """Create the battery's table."""
    op.create_table(
        "guestbook_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("created_at", orm.UTCDateTime(), server_default=orm.utcnow(), nullable=False),
        sa.Column("updated_at", orm.UTCDateTime(), server_default=orm.utcnow(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guestbook_entries")),
    )


def downgrade() -> None:
    """Drop the battery's table."""
    op.drop_table("guestbook_entries")
