"""Results a client fetches later by a token (translated files), sealed.

Revision ID: 0006_kept_results
Revises: 0005_sqlite_entries_rowid
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_kept_results"
down_revision = "0005_sqlite_entries_rowid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_results",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("log_index", sa.BigInteger, nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kept_results_expires", "kept_results", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_kept_results_expires", table_name="kept_results")
    op.drop_table("kept_results")
