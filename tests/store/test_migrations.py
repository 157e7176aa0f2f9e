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


def test_sqlite_entries_move_to_the_rowid_keeping_every_entry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Migration 0005 rebuilds an existing SQLite log_entries table, losing nothing."""
    from alembic import command
    from alembic.config import Config

    from glassbox.store._engine import _MIGRATIONS

    engine = connect(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004_witness")
            conn.exec_driver_sql(
                "INSERT INTO log_entries (idx, data) VALUES (?, ?)",
                [(i, b"entry %d" % i) for i in range(300)],
            )

        def indexes() -> list[str]:
            with engine.connect() as conn:
                return [
                    name
                    for (name,) in conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master "
                        "WHERE type = 'index' AND tbl_name = 'log_entries'"
                    )
                ]

        assert indexes()  # before: a hidden rowid and a separate index on idx
        migrate(engine)
        assert indexes() == []  # after: idx is the rowid itself
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT rowid, idx, data FROM log_entries ORDER BY idx")
            assert [tuple(r) for r in rows] == [(i, i, b"entry %d" % i) for i in range(300)]
    finally:
        engine.dispose()
