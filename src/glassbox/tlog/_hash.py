"""RFC 6962 / RFC 9162 hashing: the leaf and interior node hashes of the log tree."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from glassbox.errors import InputError

_native_leaf_tile: Callable[[Sequence[bytes]], bytes] | None
_native_subtree_roots: Callable[[bytes, int], bytes] | None
try:  # bulk hashing in C (see _native.c); the pure-Python code below gives the same results
    from ._native import leaf_tile as _native_leaf_tile
    from ._native import subtree_roots as _native_subtree_roots
except ImportError:  # built without a C compiler or OpenSSL headers
    _native_leaf_tile = _native_subtree_roots = None

NATIVE = _native_leaf_tile is not None
"""Whether bulk hashing runs in the C accelerator."""

HASH_SIZE = 32
"""Bytes in every tree hash (SHA-256)."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""Root hash of the empty tree."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """Return the hash of one log entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# Hashing from a copy of a state that has already absorbed the prefix is cheaper than
# a fresh hash object per call; the bulk helpers below lean on that.
_LEAF_STATE = hashlib.sha256(_LEAF_PREFIX)
_NODE_STATE = hashlib.sha256(_NODE_PREFIX)


def leaf_tile(entries: Sequence[bytes]) -> bytes:
    """The leaf hashes of many entries, concatenated in order: a level-0 tile's contents."""
    if _native_leaf_tile is not None:
        return _native_leaf_tile(entries)
    return b"".join(_python_leaf_hashes(entries))


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """The leaf hashes of many entries, in order: ``[leaf_hash(e) for e in entries]``, faster."""
    if _native_leaf_tile is not None:
        blob = _native_leaf_tile(entries if isinstance(entries, Sequence) else list(entries))
        return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
    return _python_leaf_hashes(entries)


def _python_leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    fresh = _LEAF_STATE.copy
    out: list[bytes] = []
    append = out.append
    for entry in entries:
        state = fresh()
        state.update(entry)
        append(state.digest())
    return out


def subtree_hash(hashes: Sequence[bytes]) -> bytes:
    """The root of a perfect subtree over ``hashes``, whose count must be a power of two.

    The hashes are the subtree's nodes at one height (leaf hashes, for instance),
    left to right; pairs are combined level by level up to a single hash.
    """
    count = len(hashes)
    if count == 0 or count & (count - 1):
        raise InputError(f"a perfect subtree needs a power-of-two number of hashes, got {count}")
    if set(map(len, hashes)) != {HASH_SIZE}:
        raise InputError(f"subtree hashes must be {HASH_SIZE} bytes each")
    return subtree_root(b"".join(hashes))


def subtree_root(hashes: bytes) -> bytes:
    """:func:`subtree_hash` of hashes given concatenated, as a tile holds them."""
    return subtree_roots(hashes, len(hashes) // HASH_SIZE)


def subtree_roots(hashes: bytes, width: int) -> bytes:
    """:func:`subtree_root` of each run of ``width`` hashes in ``hashes``, concatenated.

    ``width`` must be a power of two and ``hashes`` a whole number of runs: the
    roots of many full tiles, for instance, in one call.
    """
    if width < 1 or width & (width - 1) or not hashes or len(hashes) % (width * HASH_SIZE):
        raise InputError(
            f"a perfect subtree needs a power-of-two number of {HASH_SIZE}-byte hashes, "
            f"got {len(hashes)} bytes in runs of {width}"
        )
    if _native_subtree_roots is not None:
        return _native_subtree_roots(hashes, width)
    run = width * HASH_SIZE
    return b"".join(_python_subtree_root(hashes[i : i + run]) for i in range(0, len(hashes), run))


def _python_subtree_root(hashes: bytes) -> bytes:
    fresh = _NODE_STATE.copy
    level = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    while len(level) > 1:
        pairs = iter(level)
        level = []
        append = level.append
        for left, right in zip(pairs, pairs, strict=True):
            state = fresh()
            state.update(left)
            state.update(right)
            append(state.digest())
    return bytes(level[0])
