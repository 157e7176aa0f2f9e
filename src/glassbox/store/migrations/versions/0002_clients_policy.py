"""Clients, API keys, published policies and per-request records.

Revision ID: 0002_clients_policy
Revises: 0001_log
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_clients_policy"
down_revision = "0001_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("pseudonym", sa.String(40), nullable=False, unique=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("purposes", sa.Text, nullable=False),
        sa.Column("daily_audio_seconds", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "policies",
        sa.Column("hash", sa.String(80), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tests", sa.Text, nullable=True),
        sa.Column("log_index", sa.BigInteger, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "requests",
        sa.Column("log_index", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("request_id", sa.String(40), nullable=False, unique=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("audio_seconds", sa.Float, nullable=False),
        sa.Column("characters", sa.Integer, nullable=False),
        sa.Column("salts", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_requests_client_time", "requests", ["client_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_requests_client_time", "requests")
    for name in ("requests", "policies", "api_keys", "clients"):
        op.drop_table(name)
