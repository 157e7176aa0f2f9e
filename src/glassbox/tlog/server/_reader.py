"""Reading the published log: checkpoints, tiles, entry bundles and proofs.

Everything served is bounded by the latest signed checkpoint: nothing sequenced
but not yet integrated is ever visible here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from glassbox.errors import InputError, NotFound, StorageError
from glassbox.store import (
    log_checkpoints,
    log_cosignatures,
    log_entries,
    log_sequence,
    log_tiles,
    log_tree,
)
from glassbox.tlog import (
    HASH_SIZE,
    TILE_WIDTH,
    TileHashReader,
    consistency_proof,
    encode_bundle,
    inclusion_proof,
    tile_width,
)
from glassbox.tlog.server._cosignatures import add_cosignatures
from glassbox.tlog.server._sql import fetch_all, placeholder

MAX_ENTRIES_PER_READ = 1000


class LogReader:
    """Read access to the integrated log, shared by the HTTP API and local auditors."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _conn(self) -> Connection:
        try:
            return self._engine.connect()
        except SQLAlchemyError as exc:
            raise StorageError(f"database unavailable ({exc.__class__.__name__})") from exc

    def checkpoint(self) -> str:
        """The latest signed checkpoint note, with the witnesses' cosignatures collected for it."""
        with self._conn() as conn:
            note = conn.execute(select(log_tree.c.checkpoint)).scalar_one()
            cosigned = add_cosignatures(conn, str(note)) if note else ""  # witnesses' lines
        if not note:
            raise NotFound("the log has no checkpoint yet")
        return cosigned

    def size(self) -> int:
        """Tree size of the latest checkpoint (0 before the first one)."""
        with self._conn() as conn:
            return int(conn.execute(select(log_tree.c.size)).scalar_one())

    def cosigned(self) -> dict[str, tuple[int, datetime]]:
        """For each witness key with a stored cosignature: the largest size it cosigned, and
        when that cosignature was stored (what every replica can see of witnessing)."""
        with self._conn() as conn:
            rows = conn.execute(
                select(
                    log_cosignatures.c.witness,
                    func.max(log_cosignatures.c.size),
                    func.max(log_cosignatures.c.created_at),
                ).group_by(log_cosignatures.c.witness)
            ).all()
        return {str(key): (int(size), when) for key, size, when in rows}

    def sequenced(self) -> int:
        """How many entries are sequenced (durable), integrated into the tree or not yet."""
        with self._conn() as conn:
            found = conn.execute(select(log_sequence.c.next_idx)).scalar_one_or_none()
        return int(found or 0)

    def checkpoint_at(self, size: int) -> str:
        """The checkpoint signed at exactly `size`, if one was."""
        with self._conn() as conn:
            note = conn.execute(
                select(log_checkpoints.c.note).where(log_checkpoints.c.size == size)
            ).scalar_one_or_none()
        if note is None:
            raise NotFound(f"no checkpoint was signed at size {size}")
        return str(note)

    def tile(self, level: int, index: int, width: int) -> bytes:
        """Hash tile (level, index) as of the latest checkpoint; `width` 256 means full."""
        available = tile_width(level, index, self.size())
        if available == 0 or width > available:
            raise NotFound(f"tile level {level} index {index} width {width} is not published")
        return self._stored_tile(level, index, width)

    def _stored_tile(self, level: int, index: int, width: int) -> bytes:
        with self._conn() as conn:
            blob = conn.execute(
                select(log_tiles.c.hashes).where(
                    log_tiles.c.level == level, log_tiles.c.idx == index
                )
            ).scalar_one_or_none()
        data = bytes(blob or b"")[: width * HASH_SIZE]
        if len(data) != width * HASH_SIZE:
            raise NotFound(f"tile level {level} index {index} width {width} is missing")
        return data

    def entry_bundle(self, index: int, width: int) -> bytes:
        """Entry bundle `index` (C2SP tlog-tiles) as of the latest checkpoint."""
        available = tile_width(0, index, self.size())
        if available == 0 or width > available:
            raise NotFound(f"entry bundle {index} width {width} is not published")
        first = index * TILE_WIDTH
        return encode_bundle(self._entries(first, first + width))

    def bundles(self, size: int, start: int, end: int) -> list[tuple[list[bytes], bytes]]:
        """Entry bundles [start, end) of the tree of `size`, each with its level-0 tile.

        The same data as `entry_bundle` and `tile(0, ...)` for each bundle, decoded,
        in two queries instead of four per bundle: for auditors of a local log.
        """
        bundle_count = (size + TILE_WIDTH - 1) // TILE_WIDTH
        if not 0 <= start < end <= bundle_count:
            raise InputError(f"need 0 <= start < end <= {bundle_count} bundles of size {size}")
        first, last = start * TILE_WIDTH, min(end * TILE_WIDTH, size)
        p = placeholder(self._engine)
        entries_sql = f"FROM log_entries WHERE idx >= {p} AND idx < {p} ORDER BY idx"
        try:
            with self._conn() as conn:
                published = int(conn.execute(select(log_tree.c.size)).scalar_one())
                if size > published:
                    raise NotFound(f"size {size} is beyond the published tree size {published}")
                rows = fetch_all(conn, f"SELECT data {entries_sql}", (first, last))
                tiles = fetch_all(
                    conn,
                    f"SELECT idx, hashes FROM log_tiles WHERE level = 0 AND idx >= {p} "
                    f"AND idx < {p}",
                    (start, end),
                )
                if len(rows) == last - first:
                    # Indices are unique, so every one in [first, last) is there.
                    data = [d for (d,) in rows]
                    grouped = [data[i : i + TILE_WIDTH] for i in range(0, len(data), TILE_WIDTH)]
                else:  # a damaged store: serve what is there and let the verifier say where
                    grouped = [[] for _ in range(start, end)]
                    for index, d in fetch_all(
                        conn, f"SELECT idx, data {entries_sql}", (first, last)
                    ):
                        grouped[int(index) // TILE_WIDTH - start].append(bytes(d))
        except SQLAlchemyError as exc:
            raise StorageError(f"database unavailable ({exc.__class__.__name__})") from exc
        stored = {int(index): bytes(blob) for index, blob in tiles}
        out = []
        for n, entries in enumerate(grouped):
            index = start + n
            width = tile_width(0, index, size)
            tile = stored.get(index, b"")[: width * HASH_SIZE]
            if len(tile) != width * HASH_SIZE:
                raise NotFound(f"tile level 0 index {index} width {width} is missing")
            out.append((entries, tile))
        return out

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entries [start, end) under the latest checkpoint, at most 1000 at a time."""
        if not 0 <= start < end:
            raise InputError("need 0 <= start < end")
        if end - start > MAX_ENTRIES_PER_READ:
            raise InputError(f"at most {MAX_ENTRIES_PER_READ} entries per request")
        size = self.size()
        if end > size:
            raise NotFound(f"end {end} is beyond the published tree size {size}")
        return self._entries(start, end)

    def sequenced_entry(self, index: int) -> bytes:
        """The entry at `index` once committed, integrated or not (for its own client)."""
        with self._conn() as conn:
            data = conn.execute(
                select(log_entries.c.data).where(log_entries.c.idx == index)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound(f"no entry at log index {index}")
        return bytes(data)

    def _entries(self, start: int, end: int) -> list[bytes]:
        with self._conn() as conn:
            rows = conn.execute(
                select(log_entries.c.idx, log_entries.c.data)
                .where(log_entries.c.idx >= start, log_entries.c.idx < end)
                .order_by(log_entries.c.idx)
            ).all()
        # A missing row means the store was damaged; serve what is there and let
        # verifiers catch it rather than inventing data.
        return [bytes(data) for _, data in rows]

    def node_reader(self, size: int) -> TileHashReader:
        return TileHashReader(self._stored_tile, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> tuple[int, list[bytes]]:
        """Proof that entry `index` is in the tree of `size` (default: latest)."""
        latest = self.size()
        size = latest if size is None else size
        if not 0 < size <= latest:
            raise NotFound(f"size {size} is not a published tree size (latest is {latest})")
        if not 0 <= index < size:
            raise InputError(f"index {index} is not below size {size}")
        return size, inclusion_proof(index, size, self.node_reader(latest).node)

    def consistency_proof(self, size1: int, size2: int | None = None) -> tuple[int, list[bytes]]:
        """Proof that the tree of `size1` is a prefix of the tree of `size2` (default: latest)."""
        latest = self.size()
        size2 = latest if size2 is None else size2
        if not 0 < size2 <= latest:
            raise NotFound(f"size {size2} is not a published tree size (latest is {latest})")
        if not 0 <= size1 <= size2:
            raise InputError(f"need 0 <= from ({size1}) <= to ({size2})")
        return size2, consistency_proof(size1, size2, self.node_reader(latest).node)
