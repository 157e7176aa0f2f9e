"""Migrations create the schema on both databases and are safe to run again."""

from __future__ import annotations

from sqlalchemy import inspect, select

from glassbox.store import connect, log_sequence, log_tree, migrate


def test_migrate_creates_the_log_tables_and_is_idempotent(db_url: str) -> None:
    engine = connect(db_url)
    try:
        migrate(engine)
        migrate(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"log_entries", "log_sequence", "log_tree", "log_tiles", "log_checkpoints"} <= tables
        with engine.connect() as conn:
            assert conn.execute(select(log_sequence.c.next_idx)).scalar_one() == 0
            assert conn.execute(select(log_tree.c.size)).scalar_one() == 0
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = connect(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()
