"""Integration: extend the tree with sequenced entries, store tiles, sign a checkpoint.

One integrator works at a time per log: on PostgreSQL a transaction-scoped
advisory lock elects it (other replicas skip the round), and on both databases
the tree row's write lock serialises whoever gets through.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from glassbox.errors import ConsistencyError, GlassboxError, StorageError, TamperError
from glassbox.store import is_postgres, log_checkpoints, log_entries, log_tiles, log_tree
from glassbox.tlog import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    CompactRange,
    Signer,
    TileHashReader,
    consistency_proof,
    leaf_hash,
    open_checkpoint,
    sign_checkpoint,
    verify_consistency,
)

_log = logging.getLogger(__name__)
_ADVISORY_KEY = 0x676C617373626F78  # "glassbox"


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

        None means nothing was new or another replica holds the integration lock.
        """
        try:
            with self._engine.begin() as conn:
                return self._integrate(conn)
        except SQLAlchemyError as exc:
            raise StorageError(f"integration failed ({exc.__class__.__name__})") from exc

    def integrate_all(self) -> str | None:
        """Integrate until nothing is pending; return the last checkpoint signed."""
        last = None
        while (note := self.integrate()) is not None:
            last = note
        return last

    def _integrate(self, conn: Connection) -> str | None:
        if is_postgres(self._engine):
            got = conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
            if not got.scalar_one():
                return None
        # Writing first takes the write lock (row lock on PostgreSQL, database lock on SQLite).
        now = datetime.now(UTC)
        conn.execute(update(log_tree).where(log_tree.c.id == 1).values(updated_at=now))
        row = conn.execute(select(log_tree).where(log_tree.c.id == 1)).one()
        size = int(row.size)
        compact = CompactRange.from_bytes(size, bytes(row.compact))
        old = open_checkpoint(row.checkpoint, self._signer.verifier()) if row.checkpoint else None
        if old is not None and (old.size != size or old.root != compact.root()):
            raise TamperError(
                f"stored tree state (size {size}) disagrees with the last checkpoint "
                f"(size {old.size}); refusing to sign"
            )

        rows = conn.execute(
            select(log_entries.c.idx, log_entries.c.data)
            .where(log_entries.c.idx >= size, log_entries.c.idx < size + self._max_entries)
            .order_by(log_entries.c.idx)
        ).all()
        leaves = []
        for i, (idx, data) in enumerate(rows):
            if idx != size + i:
                break
            leaves.append(leaf_hash(bytes(data)))
        if not leaves and old is not None:
            return None

        new_nodes: dict[tuple[int, int], list[tuple[int, bytes]]] = defaultdict(list)

        def visit(height: int, index: int, node: bytes) -> None:
            if height % TILE_HEIGHT == 0:
                new_nodes[(height // TILE_HEIGHT, index // TILE_WIDTH)].append(
                    (index % TILE_WIDTH, node)
                )

        compact.extend(leaves, visit)
        tiles = self._grow_tiles(conn, new_nodes)
        new_size, new_root = compact.size, compact.root()

        if old is not None and old.size > 0:
            self._check_consistent(conn, tiles, old, new_size, new_root)

        for (level, index), blob in tiles.items():
            conn.execute(
                delete(log_tiles).where(log_tiles.c.level == level, log_tiles.c.idx == index)
            )
            conn.execute(insert(log_tiles).values(level=level, idx=index, hashes=blob))
        note = sign_checkpoint(Checkpoint(self.origin, new_size, new_root), self._signer)
        conn.execute(insert(log_checkpoints).values(size=new_size, note=note, created_at=now))
        conn.execute(
            update(log_tree)
            .where(log_tree.c.id == 1)
            .values(size=new_size, compact=compact.to_bytes(), checkpoint=note)
        )
        return note

    @staticmethod
    def _grow_tiles(
        conn: Connection, new_nodes: dict[tuple[int, int], list[tuple[int, bytes]]]
    ) -> dict[tuple[int, int], bytes]:
        tiles = {}
        for (level, index), items in new_nodes.items():
            existing = conn.execute(
                select(log_tiles.c.hashes).where(
                    log_tiles.c.level == level, log_tiles.c.idx == index
                )
            ).scalar_one_or_none()
            blob = bytes(existing or b"")
            if len(blob) != items[0][0] * HASH_SIZE:
                raise TamperError(
                    f"stored tile level {level} index {index} holds {len(blob) // HASH_SIZE} "
                    f"hashes where the tree state expects {items[0][0]}; refusing to sign"
                )
            tiles[(level, index)] = blob + b"".join(h for _, h in items)
        return tiles

    @staticmethod
    def _check_consistent(
        conn: Connection,
        tiles: dict[tuple[int, int], bytes],
        old: Checkpoint,
        new_size: int,
        new_root: bytes,
    ) -> None:
        """Never sign a tree head that is not provably consistent with the last one."""

        def fetch(level: int, index: int, width: int) -> bytes:
            blob = tiles.get((level, index))
            if blob is None:
                blob = conn.execute(
                    select(log_tiles.c.hashes).where(
                        log_tiles.c.level == level, log_tiles.c.idx == index
                    )
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
                self.integrate_all()
            except GlassboxError as exc:
                _log.error("integration failed: %s", exc.message)
            except Exception:
                _log.exception("integration failed")
