"""Witness cosignatures collected for each checkpoint size.

Revision ID: 0004_witness
Revises: 0003_review
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_witness"
down_revision = "0003_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_cosignatures",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("witness", sa.String(500), primary_key=True),
        sa.Column("line", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("log_cosignatures")
