"""The transparency log: entries, sequence, tree state, tiles, checkpoints.

Revision ID: 0001_log
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_log"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    seq = op.create_table(
        "log_sequence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("next_idx", sa.BigInteger, nullable=False),
    )
    tree = op.create_table(
        "log_tree",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("compact", sa.LargeBinary, nullable=False),
        sa.Column("checkpoint", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "log_tiles",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(seq, [{"id": 1, "next_idx": 0}])
    op.bulk_insert(tree, [{"id": 1, "size": 0, "compact": b"", "checkpoint": ""}])


def downgrade() -> None:
    for name in ("log_checkpoints", "log_tiles", "log_tree", "log_sequence", "log_entries"):
        op.drop_table(name)
