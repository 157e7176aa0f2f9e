"""Per-client request rate limits.

Revision ID: 0007_client_rate_limits
Revises: 0006_kept_results
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_client_rate_limits"
down_revision = "0006_kept_results"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("requests_per_minute", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("requests_per_minute")
