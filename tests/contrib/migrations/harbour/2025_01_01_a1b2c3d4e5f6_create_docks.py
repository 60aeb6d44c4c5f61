"""create docks

The first revision of the test component's branch: it carries the branch label.

Revision ID: a1b2c3d4e5f6
Revises: nothing, the first migration
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1b2c3d4e5f6"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("harbour",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the component's table."""
    op.create_table(
        "harbour_docks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harbour_docks")),
    )


def downgrade() -> None:
    """Drop the component's table."""
    op.drop_table("harbour_docks")
