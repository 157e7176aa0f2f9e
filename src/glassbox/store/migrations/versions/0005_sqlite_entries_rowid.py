"""On SQLite, log entries keyed by the table's own rowid.

A `BIGINT PRIMARY KEY` is not SQLite's rowid: the table kept a hidden rowid and
a separate index on `idx`, so every append wrote two B-trees and every read of a
range looked each entry up twice. `INTEGER PRIMARY KEY` makes `idx` the rowid
itself. PostgreSQL is unchanged.

Revision ID: 0005_sqlite_entries_rowid
Revises: 0004_witness
"""

from alembic import op

revision = "0005_sqlite_entries_rowid"
down_revision = "0004_witness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild_entries("idx INTEGER NOT NULL PRIMARY KEY, data BLOB NOT NULL")


def downgrade() -> None:
    _rebuild_entries("idx BIGINT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (idx)")


def _rebuild_entries(columns: str) -> None:
    """Copy SQLite's log_entries, in index order, into a new table of these columns."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE TABLE log_entries_new ({columns})")
    op.execute(
        "INSERT INTO log_entries_new (idx, data) SELECT idx, data FROM log_entries ORDER BY idx"
    )
    op.execute("DROP TABLE log_entries")
    op.execute("ALTER TABLE log_entries_new RENAME TO log_entries")
