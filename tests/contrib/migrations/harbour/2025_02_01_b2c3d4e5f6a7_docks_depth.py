"""docks depth

A later revision of the test component's branch, as a new release of it would ship.

Revision ID: b2c3d4e5f6a7
Revises: a1b2c3d4e5f6
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2c3d4e5f6a7"
down_revision: str | Sequence[str] | None = "a1b2c3d4e5f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add a column to the component's table."""
    with op.batch_alter_table("harbour_docks") as batch_op:
        batch_op.add_column(sa.Column("depth", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Remove the column."""
    with op.batch_alter_table("harbour_docks") as batch_op:
        batch_op.drop_column("depth")
