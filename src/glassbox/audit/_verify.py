"""Full verification of a tiled log: signature, every entry, every tile, the root, consistency."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from glassbox.audit._sources import LogSource
from glassbox.audit._state import AuditState
from glassbox.errors import ConsistencyError, FormatError, InputError, TamperError
from glassbox.tlog import (
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    CompactRange,
    TileHashReader,
    Verifier,
    consistency_proof,
    decode_bundle,
    leaf_hash,
    open_checkpoint,
    tile_width,
    verify_consistency,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Verified:
    """What a successful run established."""

    checkpoint: Checkpoint
    note: str
    key: str

    def state(self) -> AuditState:
        cp = self.checkpoint
        root = base64.b64encode(cp.root).decode()
        return AuditState(cp.origin, cp.size, root, self.note, self.key)

    def summary(self) -> str:
        cp = self.checkpoint
        return f"OK {cp.origin} size={cp.size} root={base64.b64encode(cp.root).decode()}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def verify_log(
    source: LogSource,
    *,
    key: str | None = None,
    state: AuditState | None = None,
    progress: Progress | None = None,
) -> Verified:
    """Verify the whole log behind `source`; raise a VerificationError naming what failed."""
    vkey = key or (state.key if state else None) or source.verifier_key()
    if vkey is None:
        raise InputError("no verifier key: pass --key <name>+<hash>+<key> (see `glassbox log key`)")
    verifier = Verifier.from_key_string(vkey)
    note = source.checkpoint()
    cp = open_checkpoint(note, verifier)
    if state is not None:
        _check_not_rolled_back(state, cp, note)

    compact = CompactRange()
    upper: dict[tuple[int, int], list[bytes]] = defaultdict(list)

    def visit(height: int, index: int, node: bytes) -> None:
        if height and height % TILE_HEIGHT == 0:
            upper[(height // TILE_HEIGHT, index // TILE_WIDTH)].append(node)

    bundles = (cp.size + TILE_WIDTH - 1) // TILE_WIDTH
    for b in range(bundles):
        width = tile_width(0, b, cp.size)
        leaves = _verified_leaves(source, b, width)
        compact.extend(leaves, visit)
        if progress is not None:
            progress(compact.size, cp.size)

    for (level, index), nodes in sorted(upper.items()):
        served = source.tile(level, index, len(nodes))
        expected = b"".join(nodes)
        if served != expected:
            pos = _first_difference(served, expected)
            raise TamperError(
                f"tile level {level} index {index} (width {len(nodes)}): hash {pos} differs "
                "from the one recomputed from the entries"
            )

    root = compact.root()
    if root != cp.root:
        raise TamperError(
            f"the root recomputed from {cp.size} entries is {_b64(root)}, "
            f"but the checkpoint says {_b64(cp.root)}"
        )
    if state is not None and state.size > 0:
        _check_consistent(source, state, cp, note)
    return Verified(cp, note, vkey)


def _verified_leaves(source: LogSource, bundle: int, width: int) -> list[bytes]:
    first = bundle * TILE_WIDTH
    try:
        entries = decode_bundle(source.entry_bundle(bundle, width))
    except FormatError as exc:
        raise TamperError(
            f"entry bundle {bundle} (entries from {first}) is malformed: {exc}"
        ) from None
    if len(entries) != width:
        raise TamperError(
            f"entry bundle {bundle} holds {len(entries)} entries where the checkpoint needs "
            f"{width}: entry {first + min(len(entries), width)} is missing or extra"
        )
    leaves = [leaf_hash(e) for e in entries]
    served = source.tile(0, bundle, width)
    expected = b"".join(leaves)
    if served != expected:
        pos = _first_difference(served, expected)
        raise TamperError(
            f"entry {first + pos}: its hash in tile level 0 index {bundle} differs from "
            "the hash of the entry served"
        )
    return leaves


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
