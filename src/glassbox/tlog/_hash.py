"""RFC 6962 / RFC 9162 hashing: the leaf and interior node hashes of the log tree."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from glassbox.errors import InputError

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


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """The leaf hashes of many entries, in order: ``[leaf_hash(e) for e in entries]``, faster."""
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
    fresh = _NODE_STATE.copy
    level = list(hashes)
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
