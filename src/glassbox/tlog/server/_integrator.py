"""Integration: extend the tree with sequenced entries, store tiles, sign a checkpoint.

One integrator works at a time per log: on PostgreSQL a transaction-scoped
advisory lock elects it (other replicas skip the round), and on both databases
the tree row's write lock serialises whoever gets through. The entries are read
and hashed before that lock is taken (on SQLite it is the whole database's
write lock, so appends would wait); under the lock the round checks that the
tree is still the one it started from, then only writes tiles and the checkpoint.

Entries this process's sequencer has just committed are handed over in memory
(`written`), so a round hashes them without reading them back; whatever was not
handed over (written by a replica, or dropped from the bounded hand-off) is
read from the database.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
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
_TILES_PER_INSERT = 256  # 768 parameters: within even old SQLite's limit of 999
_HANDOFF_BYTES = 64 << 20  # the most entry bytes `written` holds for the next rounds
# The background loop signs a round at once, rather than at the next interval, when at
# least this many entries were committed since the last round and then none for
# _QUIET_SECONDS: a burst of appends has ended. Its entries get their checkpoint
# (and their clients an inclusion proof) sooner. A trickle of appends, or steady
# load, still gets one round per interval.
_BURST_ENTRIES = 4096
_QUIET_SECONDS = 0.05


@dataclass(frozen=True)
class _Plan:
    """A round worked out from one snapshot of the tree, before any write lock is taken."""

    size: int  # the tree it starts from, as stored
    compact: bytes
    checkpoint: str
    tiles: dict[tuple[int, int], bytes]  # (level, index) -> the new contents of a grown tile
    new: CompactRange
    note: str  # the signed checkpoint of `new`
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
        self._wake = threading.Event()  # set by `written` when a burst may be ending
        self._thread: threading.Thread | None = None
        self._since_round = 0  # entries handed over since the last background round began
        self._last_written = 0.0  # time.monotonic() of the last hand-over
        self._early = True  # whether a burst may start a round early (not after a failure)
        # (first index, entries, their bytes) ranges committed by this process, oldest first
        self._handed: deque[tuple[int, Sequence[bytes], int]] = deque()
        self._handed_bytes = 0
        self._handed_lock = threading.Lock()

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

    def written(self, first: int, entries: Sequence[bytes]) -> None:
        """Hand over entries just committed at `first`, so a round need not read them back.

        The sequencer calls this after its transaction commits, with the very
        bytes it stored. When more than `_HANDOFF_BYTES` wait (no round is
        running, e.g. on a replica that is not the integrator), the oldest are
        dropped: rounds read those from the database.
        """
        size = sum(map(len, entries))
        with self._handed_lock:
            self._handed.append((first, entries, size))
            self._handed_bytes += size
            self._since_round += len(entries)
            self._last_written = time.monotonic()
            if self._since_round >= _BURST_ENTRIES:
                self._wake.set()
            while self._handed_bytes > _HANDOFF_BYTES:
                self._handed_bytes -= self._handed.popleft()[2]

    def _take_handed(self, start: int, limit: int) -> list[Sequence[bytes]]:
        """Handed-over entries from index `start` on, gap-free, at most `limit` of them.

        Ranges before `start` are integrated already and are forgotten.
        """
        taken: list[Sequence[bytes]] = []
        with self._handed_lock:
            handed = self._handed
            while handed and limit > 0:
                first, entries, size = handed[0]
                if first + len(entries) <= start:  # integrated already
                    handed.popleft()
                    self._handed_bytes -= size
                    continue
                if first > start:  # a gap: someone else's range, or one dropped
                    break
                part = entries[start - first : start - first + limit]
                taken.append(part)
                start += len(part)
                limit -= len(part)
                if first + len(entries) > start:  # the round ends inside this range
                    break
                handed.popleft()
                self._handed_bytes -= size
        return taken

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
        # transaction, which holds SQLite's database-wide lock only to store the round:
        # everything that takes time (hashing, the consistency check, signing) is done.
        with self._engine.connect() as conn:
            plan = self._plan(conn)
        if plan is None:
            return None, False
        with self._engine.begin() as conn:
            self._store(conn, plan)
        return plan.note, plan.capped

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
            self._store(conn, plan)
            return plan.note, plan.capped

    def _plan(self, conn: Connection) -> _Plan | None:
        """Read the tree and the entries after it; hash them into tiles, check, sign.

        Everything is read in `conn`'s one transaction, so the tiles and the tree
        row it reads agree; `_store` writes the result only if the row is unchanged.
        """
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

        tiles: list[bytes] = []  # leaf hashes, a batch of entries at a time
        count = 0
        # One call for all handed-over entries: hashing them, with the GIL released,
        # overlaps with the appends still coming in.
        handed = list(itertools.chain.from_iterable(self._take_handed(size, self._max_entries)))
        if handed:
            tiles.append(leaf_tile(handed))
            count = len(handed)
        p = placeholder(self._engine)
        for rows in fetch_batches(
            conn,
            f"SELECT idx, data FROM log_entries WHERE idx >= {p} AND idx < {p} ORDER BY idx",
            (size + count, size + self._max_entries),
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
        added = extend_tiles(compact, b"".join(tiles))  # `compact` now spans the new tree
        grown = self._grown_tiles(conn, size, added)
        new_size, new_root = compact.size, compact.root()
        if old is not None and old.size > 0:
            self._check_consistent(conn, grown, old, new_size, new_root)
        new_note = sign_checkpoint(Checkpoint(self.origin, new_size, new_root), self._signer)
        capped = count == self._max_entries
        return _Plan(size, compact_bytes, note, grown, compact, new_note, capped)

    def _store(self, conn: Connection, plan: _Plan) -> None:
        """Under the write lock: store the round, if the tree is still the one it grew.

        Moving the tree row takes the write lock (a row lock on PostgreSQL, the
        database's on SQLite) and checks, in the same statement, that no other
        round moved it since the plan read it.
        """
        now = datetime.now(UTC)
        size = plan.new.size
        moved = conn.execute(
            update(log_tree)
            .where(
                log_tree.c.id == 1,
                log_tree.c.size == plan.size,
                log_tree.c.compact == plan.compact,
                log_tree.c.checkpoint == plan.checkpoint,
            )
            .values(size=size, compact=plan.new.to_bytes(), checkpoint=plan.note, updated_at=now)
        )
        if moved.rowcount != 1:
            raise _Lost
        # Few statements: on SQLite this transaction holds the database's write lock,
        # and each statement gives up and takes back the GIL, which under load can
        # take milliseconds. So the tiles go in many rows per statement.
        p = placeholder(self._engine)
        tiles = sorted(plan.tiles.items())  # the first checkpoint, of the empty tree, has none
        for k in range(0, len(tiles), _TILES_PER_INSERT):
            chunk = tiles[k : k + _TILES_PER_INSERT]
            values = ", ".join([f"({p}, {p}, {p})"] * len(chunk))
            conn.exec_driver_sql(
                f"INSERT INTO log_tiles (level, idx, hashes) VALUES {values} "
                "ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
                tuple(x for (level, index), blob in chunk for x in (level, index, blob)),
            )
        conn.execute(log_checkpoints.insert().values(size=size, note=plan.note, created_at=now))

    def _grown_tiles(
        self, conn: Connection, size: int, grown: dict[tuple[int, int], bytes]
    ) -> dict[tuple[int, int], bytes]:
        """The new contents of every tile the round grows: what is stored, then the new hashes.

        A stored tile must hold exactly the hashes the stored tree size implies
        (none, for a tile the round starts).
        """
        p = placeholder(self._engine)
        stored: dict[tuple[int, int], bytes] = {}
        for level in sorted({level for level, _ in grown}):
            indices = [index for lvl, index in grown if lvl == level]
            rows = conn.exec_driver_sql(
                f"SELECT idx, hashes FROM log_tiles WHERE level = {p} AND idx BETWEEN {p} AND {p}",
                (level, min(indices), max(indices)),
            ).all()
            stored.update(((level, int(idx)), bytes(blob)) for idx, blob in rows)
        tiles = {}
        for (level, index), added in grown.items():
            blob = stored.get((level, index), b"")
            expected = tile_width(level, index, size)
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
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self, interval: float) -> None:
        # Rounds start every `interval` (not `interval` after the last one ended), so
        # a long round does not stretch the time before the next checkpoint.
        started = time.monotonic()
        while self._wait_for_round(started + interval):
            started = time.monotonic()
            with self._handed_lock:
                self._since_round = 0
            self._early = False
            try:
                self.integrate_backlog()
                self._early = True
            except GlassboxError as exc:
                _log.error("integration failed: %s", exc.message)
            except Exception:
                _log.exception("integration failed")

    def _wait_for_round(self, due: float) -> bool:
        """Wait until `due`, or until a burst of appends has ended; False once stopped."""
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= due:
                return True
            if self._early and self._since_round >= _BURST_ENTRIES:
                quiet = now - self._last_written
                if quiet >= _QUIET_SECONDS:
                    return True
                self._stop.wait(min(due - now, _QUIET_SECONDS - quiet))
            else:
                self._wake.clear()
                if not (self._early and self._since_round >= _BURST_ENTRIES):
                    self._wake.wait(due - now)
        return False
