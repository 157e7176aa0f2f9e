"""Plain SQL for the hot paths, in the driver's own parameter style."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine

from glassbox.errors import StorageError


def placeholder(engine: Engine) -> str:
    """The positional parameter marker of `engine`'s driver: `?` (sqlite3) or `%s` (psycopg)."""
    style = engine.dialect.paramstyle
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise StorageError(f"unsupported database parameter style {style!r}")


def fetch_batches(
    conn: Connection, sql: str, params: tuple[Any, ...], size: int = 4096
) -> Iterator[list[Any]]:
    """The rows of a bulk read, `size` at a time, straight from the driver's cursor.

    It runs in `conn`'s transaction but skips SQLAlchemy's per-row objects, which
    cost more than the read itself; batches keep the garbage collector from
    walking a large list of fresh rows again and again.
    """
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield list(rows)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise StorageError(f"database read failed ({exc.__class__.__name__})") from exc
    finally:
        cursor.close()


def fetch_all(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """The rows of a bounded read, straight from the driver's cursor (see `fetch_batches`)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    except conn.dialect.loaded_dbapi.Error as exc:
        raise StorageError(f"database read failed ({exc.__class__.__name__})") from exc
    finally:
        cursor.close()
