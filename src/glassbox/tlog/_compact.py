"""Compact ranges: the right edge of a growing tree, enough to append and to compute roots.

A tree of ``size`` leaves splits into perfect subtrees, one per set bit of
``size``, largest on the left.  Their hashes are all a log needs to remember in
order to append the next leaf and to compute the root of the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from glassbox.errors import FormatError, InputError

from ._hash import EMPTY_ROOT, HASH_SIZE, node_hash, subtree_hash

Visitor = Callable[[int, int, bytes], None]
"""Called as ``visit(height, index, hash)`` for each node an append completes."""


class CompactRange:
    """The hashes of the maximal perfect subtrees of a tree ``[0, size)``, left to right."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise FormatError(f"compact range size must not be negative, got {size}")
        expected = size.bit_count()
        if len(hashes) != expected:
            raise FormatError(
                f"a compact range of size {size} holds {expected} hashes, got {len(hashes)}"
            )
        for position, value in enumerate(hashes):
            if len(value) != HASH_SIZE:
                raise FormatError(
                    f"compact range hash {position} is {len(value)} bytes, not {HASH_SIZE}"
                )
        self._size = size
        self._hashes = [bytes(value) for value in hashes]

    @property
    def size(self) -> int:
        """Number of leaves covered."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """A copy of the subtree hashes, largest (leftmost) first."""
        return list(self._hashes)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size})"

    def append(self, leaf_hash: bytes, visit: Visitor | None = None) -> None:
        """Add one leaf hash on the right.

        ``visit`` sees every node this append completes, the leaf itself first
        (height 0, index = the leaf's index), then each merged parent by
        increasing height.
        """
        if len(leaf_hash) != HASH_SIZE:
            raise InputError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
        self._push(0, bytes(leaf_hash), visit)

    def append_subtree(self, height: int, node: bytes, visit: Visitor | None = None) -> None:
        """Add a whole perfect subtree of ``2**height`` leaves on the right, given its hash.

        The subtree must start on its own boundary: ``size`` must be a multiple of
        ``2**height``. The result is the same as appending its leaves one by one,
        and ``visit`` sees the calls those appends would make at ``height`` and
        above: the subtree's root first, then each merged parent by increasing
        height. The nodes inside the subtree are the caller's business.
        """
        if height < 0:
            raise InputError(f"subtree height must not be negative, got {height}")
        if len(node) != HASH_SIZE:
            raise InputError(f"subtree hash is {len(node)} bytes, not {HASH_SIZE}")
        if self._size & ((1 << height) - 1):
            raise InputError(
                f"a subtree of height {height} cannot start at leaf {self._size}: "
                f"not a multiple of {1 << height}"
            )
        self._push(height, bytes(node), visit)

    def _push(self, height: int, current: bytes, visit: Visitor | None) -> None:
        size = self._size
        if visit is not None:
            visit(height, size >> height, current)
        self._size = size + (1 << height)
        # Each one bit of the old size from `height` up is a perfect subtree of
        # that height, waiting for its right sibling.
        while (size >> height) & 1:
            current = node_hash(self._hashes.pop(), current)
            height += 1
            if visit is not None:
                visit(height, size >> height, current)
        self._hashes.append(current)

    def extend(self, leaf_hashes: Iterable[bytes], visit: Visitor | None = None) -> None:
        """Append several leaf hashes in order.

        Without ``visit``, aligned runs of leaves go in as whole subtrees, each
        hashed level by level in bulk.
        """
        if visit is not None:
            for value in leaf_hashes:
                self.append(value, visit)
            return
        leaves = list(leaf_hashes)
        done = 0
        while done < len(leaves):
            # The largest subtree that starts here and fits in what is left.
            room = (len(leaves) - done).bit_length() - 1
            align = (self._size & -self._size).bit_length() - 1 if self._size else room
            height = min(room, align)
            if height == 0:
                self.append(leaves[done])
            else:
                self.append_subtree(height, subtree_hash(leaves[done : done + (1 << height)]))
            done += 1 << height

    def root(self) -> bytes:
        """The Merkle tree hash of ``[0, size)``; ``EMPTY_ROOT`` when empty."""
        return fold_right(self._hashes)

    def to_bytes(self) -> bytes:
        """The subtree hashes concatenated, left to right."""
        return b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> CompactRange:
        """Rebuild a range saved with :meth:`to_bytes`."""
        if len(data) % HASH_SIZE:
            raise FormatError(f"compact range data is {len(data)} bytes, not whole hashes")
        hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return cls(size, hashes)


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine subtree hashes, left to right in the tree, into one root."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def tree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a whole list of leaf hashes."""
    compact = CompactRange()
    compact.extend(leaf_hashes)
    return compact.root()
