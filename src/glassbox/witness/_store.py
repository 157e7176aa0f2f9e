"""The witness's memory: per log, the latest checkpoint it cosigned; and refused forks.

A small SQLite database (WAL, full sync).  Checking a request against the
latest record and storing the new one happen in one write transaction, under
a lock per log, so two requests for the same log never interleave (the
rollback race described in C2SP tlog-witness).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from glassbox.errors import StorageError

T = TypeVar("T")

EVIDENCE_KEPT = 1000
"""About how many refused requests are kept per log (the oldest go first)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS witnessed (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    checkpoint TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    received_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    request TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Witnessed:
    """The latest checkpoint cosigned for one log."""

    size: int
    root: bytes
    checkpoint: str


@dataclass(frozen=True)
class Evidence:
    """A request with a valid log signature that was refused: a possible split view."""

    origin: str
    received_at: str
    reason: str
    request: str


class WitnessStore:
    """The witness database at `path`; created on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as conn:
                conn.execute("PRAGMA synchronous=FULL")
                if not self._ready:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
                    self._ready = True
                yield conn
        except sqlite3.Error as exc:
            raise StorageError(f"witness database {self.path}: {exc}") from exc

    def _lock(self, origin: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(origin, threading.Lock())

    def latest(self, origin: str) -> Witnessed | None:
        """The latest checkpoint cosigned for `origin`, if any."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT size, root, checkpoint FROM witnessed WHERE origin = ?", (origin,)
            ).fetchone()
        return None if row is None else Witnessed(int(row[0]), bytes(row[1]), str(row[2]))

    def advance(self, origin: str, check: Callable[[Witnessed | None], T], new: Witnessed) -> T:
        """Atomically: run `check` on the latest record (it raises to refuse), then store `new`.

        Returns what `check` returned, once `new` is durable (committed with full sync).
        """
        with self._lock(origin), self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT size, root, checkpoint FROM witnessed WHERE origin = ?", (origin,)
                ).fetchone()
                latest = None if row is None else Witnessed(int(row[0]), bytes(row[1]), str(row[2]))
                result = check(latest)
                conn.execute(
                    "INSERT INTO witnessed (origin, size, root, checkpoint, updated_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET "
                    "size = excluded.size, root = excluded.root, "
                    "checkpoint = excluded.checkpoint, updated_at = excluded.updated_at",
                    (origin, new.size, new.root, new.checkpoint, _now()),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return result

    def record_evidence(self, origin: str, reason: str, request: str) -> None:
        """Keep a refused request whose log signature verified."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            cursor = conn.execute(
                "INSERT INTO evidence (origin, received_at, reason, request) VALUES (?, ?, ?, ?)",
                (origin, _now(), reason, request),
            )
            conn.execute(
                "DELETE FROM evidence WHERE origin = ? AND id <= ?",
                (origin, (cursor.lastrowid or 0) - EVIDENCE_KEPT),
            )
            conn.execute("COMMIT")

    def evidence(self) -> list[Evidence]:
        """Every refused request kept, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT origin, received_at, reason, request FROM evidence ORDER BY id"
            ).fetchall()
        return [Evidence(*map(str, row)) for row in rows]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
