"""Suspended client organisations and disabled console accounts.

Revision ID: 0008_suspend_and_disable
Revises: 0007_client_rate_limits
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_suspend_and_disable"
down_revision = "0007_client_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("suspended_at")
