"""Integration: extend the tree with sequenced entries, store tiles, sign a checkpoint.

One integrator works at a time per log: on PostgreSQL a transaction-scoped
advisory lock elects it (other replicas skip the round), and on both databases
the tree row's write lock serialises whoever gets through. The entries are read
and hashed before that lock is taken (on SQLite it is the whole database's
write lock, so appends would wait); under the lock the round checks that the
tree is still the one it started from, then only writes tiles and the checkpoint.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from glassbox.errors import ConsistencyError, GlassboxError, StorageError, TamperError
from glassbox.store import is_postgres, log_checkpoints, log_tree
from glassbox.tlog import (
    HASH_SIZE,
    Checkpoint,
    CompactRange,
    Signer,
    TileHashReader,
    consistency_proof,
    extend_tiles,
    leaf_tile,
    open_checkpoint,
    sign_checkpoint,
    tile_width,
    verify_consistency,
)
from glassbox.tlog.server._sql import fetch_batches, placeholder

_log = logging.getLogger(__name__)
_ADVISORY_KEY = 0x676C617373626F78  # "glassbox"
_ATTEMPTS = 3  # rounds planned before giving way to an integrator that keeps winning


@dataclass(frozen=True)
class _Plan:
    """A round worked out from one snapshot of the tree, before any lock is taken."""

    size: int  # the tree it starts from, as stored
    compact: bytes
    checkpoint: str
    old: Checkpoint | None
    grown: dict[tuple[int, int], bytes]  # (level, index) -> hashes appended to that tile
    new: CompactRange
    capped: bool  # it took `max_entries` entries: more may be waiting


class _Lost(Exception):
    """Another integrator moved the tree on while this round was being planned."""


class Integrator:
    """Turns sequenced entries into a signed, verifiable tree head."""

    def __init__(self, engine: Engine, signer: Signer, *, max_entries: int = 65536) -> None:
        self._engine = engine
        self._signer = signer
        self._max_entries = max_entries
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return self._signer.name

    def integrate(self) -> str | None:
        """Integrate what is sequenced now; return the new signed checkpoint, or None.

        None means nothing was new, or another integrator (a replica, or a thread)
        holds the integration lock or keeps getting there first. One round takes
        at most `max_entries` entries.
        """
        return self._integrate()[0]

    def integrate_all(self) -> str | None:
        """Integrate until nothing is pending; return the last checkpoint signed."""
        last = None
        while (note := self.integrate()) is not None:
            last = note
        return last

    def integrate_backlog(self) -> str | None:
        """Integrate what is sequenced now, in as many rounds as `max_entries` requires.

        Unlike `integrate_all` it does not chase appends that keep arriving: under
        load the background loop signs one checkpoint per interval, covering all
        that came in since, rather than many small rounds that each cost a
        signature, tile writes and a consistency check.
        """
        last = None
        while True:
            note, capped = self._integrate()
            last = note or last
            if note is None or not capped:
                return last

    def _integrate(self) -> tuple[str | None, bool]:
        """One round: the checkpoint (or None) and whether `max_entries` capped it."""
        round_ = self._round_postgres if is_postgres(self._engine) else self._round
        for _ in range(_ATTEMPTS):
            try:
                return round_()
            except _Lost:
                continue  # its transaction rolled back; plan again from the new tree
            except SQLAlchemyError as exc:
                raise StorageError(f"integration failed ({exc.__class__.__name__})") from exc
        return None, False

    def _round(self) -> tuple[str | None, bool]:
        # A read transaction first: in WAL mode it blocks no appends. Then the write
        # transaction, which holds SQLite's database-wide lock only to store the round.
        with self._engine.connect() as conn:
            plan = self._plan(conn)
        if plan is None:
            return None, False
        with self._engine.begin() as conn:
            return self._store(conn, plan), plan.capped

    def _round_postgres(self) -> tuple[str | None, bool]:
        # Appends never touch the tree row, so one transaction blocks nobody; the
        # advisory lock keeps other replicas from planning the same round.
        with self._engine.begin() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
            if not got.scalar_one():
                return None, False
            plan = self._plan(conn)
            if plan is None:
                return None, False
            return self._store(conn, plan), plan.capped

    def _plan(self, conn: Connection) -> _Plan | None:
        """Read the tree and the entries after it; hash them into tiles and a new range."""
        row = conn.execute(
            select(log_tree.c.size, log_tree.c.compact, log_tree.c.checkpoint).where(
                log_tree.c.id == 1
            )
        ).one()
        size, compact_bytes, note = int(row.size), bytes(row.compact), str(row.checkpoint)
        compact = CompactRange.from_bytes(size, compact_bytes)
        old = open_checkpoint(note, self._signer.verifier()) if note else None
        if old is not None and (old.size != size or old.root != compact.root()):
            raise TamperError(
                f"stored tree state (size {size}) disagrees with the last checkpoint "
                f"(size {old.size}); refusing to sign"
            )

        p = placeholder(self._engine)
        tiles: list[bytes] = []  # leaf hashes, a batch of rows at a time
        count = 0
        for rows in fetch_batches(
            conn,
            f"SELECT idx, data FROM log_entries WHERE idx >= {p} AND idx < {p} ORDER BY idx",
            (size, size + self._max_entries),
        ):
            first = size + count
            # Indices are unique and sorted, so the batch is gap-free when its last
            # index is where it should be. A gap means a later range committed first:
            # integrate only the gap-free prefix.
            gap_free = len(rows)
            if rows[-1][0] != first + len(rows) - 1:
                gap_free = next(n for n, row in enumerate(rows) if row[0] != first + n)
            tiles.append(leaf_tile([data for _, data in rows[:gap_free]]))
            count += gap_free
            if gap_free < len(rows):
                break
        if not count and old is not None:
            return None
        grown = extend_tiles(compact, b"".join(tiles))
        capped = count == self._max_entries
        return _Plan(size, compact_bytes, note, old, grown, compact, capped)

    def _store(self, conn: Connection, plan: _Plan) -> str:
        """Under the write lock: check the tree did not move, then store the round."""
        now = datetime.now(UTC)
        # Writing first takes the write lock (row lock on PostgreSQL, database lock on SQLite).
        conn.execute(update(log_tree).where(log_tree.c.id == 1).values(updated_at=now))
        row = conn.execute(
            select(log_tree.c.size, log_tree.c.compact, log_tree.c.checkpoint).where(
                log_tree.c.id == 1
            )
        ).one()
        if (int(row.size), bytes(row.compact), str(row.checkpoint)) != (
            plan.size,
            plan.compact,
            plan.checkpoint,
        ):
            raise _Lost

        tiles = self._grown_tiles(conn, plan)
        new_size, new_root = plan.new.size, plan.new.root()
        if plan.old is not None and plan.old.size > 0:
            self._check_consistent(conn, tiles, plan.old, new_size, new_root)

        p = placeholder(self._engine)
        if tiles:  # the first checkpoint, of the empty tree, has none
            conn.exec_driver_sql(
                f"INSERT INTO log_tiles (level, idx, hashes) VALUES ({p}, {p}, {p}) "
                "ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
                [(level, index, blob) for (level, index), blob in sorted(tiles.items())],
            )
        note = sign_checkpoint(Checkpoint(self.origin, new_size, new_root), self._signer)
        conn.execute(log_checkpoints.insert().values(size=new_size, note=note, created_at=now))
        conn.execute(
            update(log_tree)
            .where(log_tree.c.id == 1)
            .values(size=new_size, compact=plan.new.to_bytes(), checkpoint=note)
        )
        return note

    def _grown_tiles(self, conn: Connection, plan: _Plan) -> dict[tuple[int, int], bytes]:
        """The new contents of every tile the round grows: what is stored, then the new hashes.

        A stored tile must hold exactly the hashes the stored tree size implies
        (none, for a tile the round starts).
        """
        p = placeholder(self._engine)
        stored: dict[tuple[int, int], bytes] = {}
        for level in sorted({level for level, _ in plan.grown}):
            indices = [index for lvl, index in plan.grown if lvl == level]
            rows = conn.exec_driver_sql(
                f"SELECT idx, hashes FROM log_tiles WHERE level = {p} AND idx BETWEEN {p} AND {p}",
                (level, min(indices), max(indices)),
            ).all()
            stored.update(((level, int(idx)), bytes(blob)) for idx, blob in rows)
        tiles = {}
        for (level, index), added in plan.grown.items():
            blob = stored.get((level, index), b"")
            expected = tile_width(level, index, plan.size)
            if len(blob) != expected * HASH_SIZE:
                raise TamperError(
                    f"stored tile level {level} index {index} holds {len(blob) // HASH_SIZE} "
                    f"hashes where the tree state expects {expected}; refusing to sign"
                )
            tiles[(level, index)] = blob + added
        return tiles

    def _check_consistent(
        self,
        conn: Connection,
        tiles: dict[tuple[int, int], bytes],
        old: Checkpoint,
        new_size: int,
        new_root: bytes,
    ) -> None:
        """Never sign a tree head that is not provably consistent with the last one."""
        p = placeholder(self._engine)

        def fetch(level: int, index: int, width: int) -> bytes:
            blob = tiles.get((level, index))
            if blob is None:
                blob = conn.exec_driver_sql(
                    f"SELECT hashes FROM log_tiles WHERE level = {p} AND idx = {p}", (level, index)
                ).scalar_one_or_none()
            data = bytes(blob or b"")[: width * HASH_SIZE]
            if len(data) != width * HASH_SIZE:
                raise TamperError(f"stored tile level {level} index {index} is short")
            return data

        reader = TileHashReader(fetch, new_size)
        proof = consistency_proof(old.size, new_size, reader.node)
        try:
            verify_consistency(old.size, new_size, proof, old.root, new_root)
        except ConsistencyError as exc:
            raise TamperError(
                f"the stored tiles do not prove size {new_size} consistent with the last "
                f"checkpoint (size {old.size}): {exc.message}; refusing to sign"
            ) from exc

    def start(self, interval: float) -> None:
        """Integrate in a background thread every `interval` seconds."""
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="glassbox-integrator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.integrate_backlog()
            except GlassboxError as exc:
                _log.error("integration failed: %s", exc.message)
            except Exception:
                _log.exception("integration failed")
