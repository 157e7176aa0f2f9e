"""Full verification of a tiled log: signature, every entry, every tile, the root, consistency."""

from __future__ import annotations

import base64
import itertools
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from glassbox.audit._cache import CachedSource, Fetched, TileCache
from glassbox.audit._cosigned import Quorum, require_cosignatures
from glassbox.audit._keys import log_verifier
from glassbox.audit._sources import BulkSource, LogSource
from glassbox.audit._state import AuditState
from glassbox.errors import ConsistencyError, FormatError, InputError, TamperError
from glassbox.tlog import (
    HASH_SIZE,
    TILE_WIDTH,
    Checkpoint,
    CompactRange,
    TileHashReader,
    consistency_proof,
    decode_bundle,
    extend_tiles,
    leaf_tile,
    open_checkpoint,
    tile_width,
    verify_consistency,
)

Progress = Callable[[int, int], None]
Visit = Callable[[int, list[bytes]], None]
"""`visit(first, entries)`: entries from index `first` on, each time they have been read."""

_CHUNK = 16  # entry bundles read, hashed and checked together: 4,096 entries


@dataclass(frozen=True)
class Verified:
    """What a successful run established."""

    checkpoint: Checkpoint
    note: str
    key: str
    cosigners: tuple[str, ...] = ()  # witnesses whose cosignatures verified, when required
    fetched: Fetched | None = None  # what a run with a tile cache fetched and reused

    def state(self) -> AuditState:
        cp = self.checkpoint
        root = base64.b64encode(cp.root).decode()
        return AuditState(cp.origin, cp.size, root, self.note, self.key)

    def summary(self) -> str:
        cp = self.checkpoint
        witnessed = f" cosigned by {', '.join(self.cosigners)}" if self.cosigners else ""
        return f"OK {cp.origin} size={cp.size} root={base64.b64encode(cp.root).decode()}{witnessed}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def verify_log(
    source: LogSource,
    *,
    key: str | None = None,
    state: AuditState | None = None,
    progress: Progress | None = None,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
    cache: Path | None = None,
    warn: Callable[[str], None] | None = None,
    visit: Visit | None = None,
) -> Verified:
    """Verify the whole log behind `source`; raise a VerificationError naming what failed.

    With `witnesses` (cosigner verifier keys), `quorum` of them (default: all)
    must have cosigned the checkpoint. With `cache` (a directory), full tiles and
    entry bundles are kept there and read from there on later runs: only new and
    partial ones are fetched, and everything is re-hashed all the same. If what
    was read from the cache does not check out, `warn` is told and the run starts
    again with everything fetched anew; only then is a mismatch the log's.
    `visit` sees every entry as it is read (again, after such a restart); what
    it saw is proved only once this returns.
    """
    vkey = key or (state.key if state else None) or source.verifier_key()
    if vkey is None:
        raise InputError("no verifier key: pass --key <name>+<hash>+<key> (see `glassbox log key`)")
    verifier = log_verifier(vkey)
    required = Quorum.parse(witnesses, quorum)
    note = source.checkpoint()
    cp = open_checkpoint(note, verifier)
    cosigners = require_cosignatures(note, verifier, required)
    if state is not None:
        _check_not_rolled_back(state, cp, note)

    reads: LogSource = source
    if cache is not None and not isinstance(source, BulkSource):  # a local log needs none
        reads = CachedSource(source, TileCache(cache, cp.origin))
    try:
        _verify_tree(reads, cp, progress, visit)
    except TamperError as exc:
        if not isinstance(reads, CachedSource) or not reads.fetched.reused:
            raise
        if warn is not None:
            warn(
                f"the tile cache {cache} does not check out ({exc.message}); fetching it all again"
            )
        reads.bypass()
        _verify_tree(reads, cp, progress, visit)
    if state is not None and state.size > 0:
        _check_consistent(reads, state, cp, note)
    fetched = reads.fetched if isinstance(reads, CachedSource) else None
    return Verified(cp, note, vkey, cosigners, fetched)


def _verify_tree(
    source: LogSource, cp: Checkpoint, progress: Progress | None, visit: Visit | None
) -> None:
    """Every entry, every tile and the root of the tree of `cp`, recomputed from the entries."""
    compact = CompactRange()
    upper: dict[tuple[int, int], list[bytes]] = defaultdict(list)  # tiles above level 0
    bundles = (cp.size + TILE_WIDTH - 1) // TILE_WIDTH
    chunks = [(start, min(start + _CHUNK, bundles)) for start in range(0, bundles, _CHUNK)]
    # One thread reads the next chunk while this one hashes the current one (the
    # hashing releases the GIL): reading and hashing overlap on two cores.
    with ThreadPoolExecutor(1, thread_name_prefix="glassbox-audit-read") as reader:
        ahead: deque[Future[_Parts]] = deque()
        for n, (start, _) in enumerate(chunks):
            for chunk in chunks[n + len(ahead) : n + 2]:  # keep two chunks on the way
                ahead.append(reader.submit(_read_chunk, source, cp.size, *chunk))
            parts = ahead.popleft().result()
            first = compact.size
            for tile, added in _verified_chunk(parts, cp.size, compact, start).items():
                upper[tile].append(added)
            if visit is not None:
                visit(first, list(itertools.chain.from_iterable(e for e, _ in parts)))
            if progress is not None:
                progress(compact.size, cp.size)

    for (level, index), pieces in sorted(upper.items()):
        expected = b"".join(pieces)
        width = len(expected) // HASH_SIZE
        served = source.tile(level, index, width)
        if served != expected:
            pos = _first_difference(served, expected)
            raise TamperError(
                f"tile level {level} index {index} (width {width}): hash {pos} differs "
                "from the one recomputed from the entries"
            )

    root = compact.root()
    if root != cp.root:
        raise TamperError(
            f"the root recomputed from {cp.size} entries is {_b64(root)}, "
            f"but the checkpoint says {_b64(cp.root)}"
        )


_Parts = list[tuple[list[bytes], bytes]]  # entry bundles, decoded, each with its level-0 tile


def _read_chunk(source: LogSource, size: int, start: int, end: int) -> _Parts:
    """Entry bundles [start, end) of the tree of `size`, with their level-0 tiles."""
    if isinstance(source, BulkSource):
        return source.bundles(size, start, end)
    return [_fetched_bundle(source, b, tile_width(0, b, size)) for b in range(start, end)]


def _verified_chunk(
    parts: _Parts, size: int, compact: CompactRange, start: int
) -> dict[tuple[int, int], bytes]:
    """Check entry bundles from `start` against their level-0 tiles and add them to `compact`.

    Returns what they add to the tiles above level 0, still to be checked. Damage
    is reported at the first bundle, in log order, where it shows.
    """
    short = next(
        (
            n
            for n, (entries, _) in enumerate(parts)
            if len(entries) != tile_width(0, start + n, size)
        ),
        None,
    )
    if short is not None:
        if short:  # the bundles before it may hold earlier damage: check them first
            _verified_chunk(parts[:short], size, CompactRange(compact.size, compact.hashes), start)
        bundle, held = start + short, len(parts[short][0])
        width = tile_width(0, bundle, size)
        raise TamperError(
            f"entry bundle {bundle} holds {held} entries where the checkpoint needs "
            f"{width}: entry {bundle * TILE_WIDTH + min(held, width)} is missing or extra"
        )
    leaves = leaf_tile(list(itertools.chain.from_iterable(entries for entries, _ in parts)))
    grown = extend_tiles(compact, leaves)
    for n, (_, served) in enumerate(parts):
        bundle = start + n
        expected = grown.pop((0, bundle))
        if served != expected:
            pos = _first_difference(served, expected)
            raise TamperError(
                f"entry {bundle * TILE_WIDTH + pos}: its hash in tile level 0 index {bundle} "
                "differs from the hash of the entry served"
            )
    return grown


def _fetched_bundle(source: LogSource, bundle: int, width: int) -> tuple[list[bytes], bytes]:
    try:
        entries = decode_bundle(source.entry_bundle(bundle, width))
    except FormatError as exc:
        raise TamperError(
            f"entry bundle {bundle} (entries from {bundle * TILE_WIDTH}) is malformed: {exc}"
        ) from None
    return entries, source.tile(0, bundle, width)


def _first_difference(served: bytes, expected: bytes) -> int:
    for i in range(0, max(len(served), len(expected)), HASH_SIZE):
        if served[i : i + HASH_SIZE] != expected[i : i + HASH_SIZE]:
            return i // HASH_SIZE
    return 0


def _check_not_rolled_back(state: AuditState, cp: Checkpoint, note: str) -> None:
    if cp.origin != state.origin:
        raise TamperError(f"the log's origin changed from {state.origin!r} to {cp.origin!r}")
    if cp.size < state.size:
        raise ConsistencyError(
            f"rollback: the log now shows size {cp.size}, but size {state.size} was verified "
            f"before.\nearlier checkpoint:\n{state.checkpoint}\ncurrent checkpoint:\n{note}",
            size1=state.size,
            root1=base64.b64decode(state.root),
            size2=cp.size,
            root2=cp.root,
        )


def _check_consistent(source: LogSource, state: AuditState, cp: Checkpoint, note: str) -> None:
    old_root = base64.b64decode(state.root)
    reader = TileHashReader(source.tile, cp.size)
    proof = consistency_proof(state.size, cp.size, reader.node)
    try:
        verify_consistency(state.size, cp.size, proof, old_root, cp.root)
    except ConsistencyError:
        raise ConsistencyError(
            f"inconsistent: the checkpoint verified before (size {state.size}) is not a prefix "
            f"of the current one (size {cp.size}).\nearlier checkpoint:\n{state.checkpoint}\n"
            f"current checkpoint:\n{note}\nproof: {[_b64(h) for h in proof]}",
            size1=state.size,
            root1=old_root,
            size2=cp.size,
            root2=cp.root,
            proof=tuple(proof),
        ) from None
