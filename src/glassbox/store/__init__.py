"""Storage: SQLAlchemy tables, engines and Alembic migrations for SQLite and PostgreSQL."""

from glassbox.store._engine import connect, is_postgres, migrate
from glassbox.store._schema import (
    log_checkpoints,
    log_entries,
    log_sequence,
    log_tiles,
    log_tree,
    metadata,
)

__all__ = [
    "connect",
    "is_postgres",
    "log_checkpoints",
    "log_entries",
    "log_sequence",
    "log_tiles",
    "log_tree",
    "metadata",
    "migrate",
]
