"""create the admin log

The first revision of the admin battery: it starts the branch "admin". It creates
``admin_log``, which refers to the accounts battery's ``auth_user``, so it depends on the
first revision of the branch "auth"; a test checks that the model and this revision agree on
SQLite, PostgreSQL and MariaDB.

Revision ID: 05b694a104c4
Revises: nothing, the first migration of the branch
Create Date: 2026-12-10 09:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from schooner.contrib import orm

# Revision identifiers, used by Alembic.
revision: str = "05b694a104c4"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("admin",)  # the battery's branch
depends_on: str | Sequence[str] | None = ("74eee2a39a1e",)  # auth: create the account tables


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "admin_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", orm.UTCDateTime(), server_default=orm.utcnow(), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("user_email", sa.String(length=254), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("object_repr", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["auth_user.id"],
            name=op.f("fk_admin_log_user_id_auth_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_log")),
    )
    with op.batch_alter_table("admin_log", schema=None) as batch_op:
        batch_op.create_index("ix_admin_log_at", ["at"], unique=False)
        batch_op.create_index(
            "ix_admin_log_object", ["label", "model", "object_id", "at"], unique=False
        )


def downgrade() -> None:
    """Revert this migration: drop the table (and with it its indexes; MariaDB refuses to
    drop an index a foreign key still needs)."""
    op.drop_table("admin_log")
