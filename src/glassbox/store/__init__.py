"""Storage: SQLAlchemy tables, engines and Alembic migrations for SQLite and PostgreSQL."""

from glassbox.store._engine import connect, is_postgres, migrate
from glassbox.store._schema import (
    api_keys,
    clients,
    holds,
    kept_results,
    log_checkpoints,
    log_cosignatures,
    log_entries,
    log_sequence,
    log_tiles,
    log_tree,
    metadata,
    policies,
    requests,
    sessions,
    users,
    verdicts,
)

__all__ = [
    "api_keys",
    "clients",
    "connect",
    "holds",
    "is_postgres",
    "kept_results",
    "log_checkpoints",
    "log_cosignatures",
    "log_entries",
    "log_sequence",
    "log_tiles",
    "log_tree",
    "metadata",
    "migrate",
    "policies",
    "requests",
    "sessions",
    "users",
    "verdicts",
]
